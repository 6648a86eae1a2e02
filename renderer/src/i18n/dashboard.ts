import { strings } from './strings.js';

/** Strings of the home dashboard. */
export const dashboard = strings(
  {
    timeZone: 'Time zone: {{zone}}',
    noSite: 'Your roles do not include seeing the site. Use the sections on the left for what they allow.',
    doors: {
      title: 'Doors',
      total_one: '{{count}} door',
      total_other: '{{count}} doors',
      online: 'Online: {{count}}',
      offline: 'Offline: {{count}}',
      rf: 'RF: {{count}}',
      notStandard: 'Not in standard mode',
      allStandard: 'Every door opens in standard mode.',
      live: 'Live door state (open, locked, office, lockdown) is on the Doors screen for doors on a control unit.',
    },
    events: {
      title: 'Recent events',
      none: 'No events yet. They arrive as doors report them.',
      all: 'All events',
    },
    keys: {
      title: 'Keys needing an update',
      count_one: '{{count}} key must be updated at an update point.',
      count_other: '{{count}} keys must be updated at an update point.',
      none: 'Every issued key carries its current rights.',
    },
    devices: {
      title: 'Device health',
      none: 'No gateways or control units are registered yet. Register them under Gateways and control units.',
      online: 'Online: {{count}}',
      offline: 'Offline: {{count}}',
      unpaired: 'Waiting for pairing: {{count}}',
      behind: 'Configuration not yet current: {{count}}',
      offlineList: 'Offline now',
      all: 'Gateways and control units',
    },
    move: {
      heading: 'Move this site',
      intro: 'Export the whole site to one file, to install it with lintel serve or on another computer.',
      holds:
        'The file holds everything in this site (cardholders, keys, doors, operators, the audit log and the site’s secrets), encrypted under the passphrase you choose here. It is written on the computer that runs Lintel: for a console in a browser, the server. Importing it needs this passphrase, and a forgotten one cannot be recovered: pass it on apart from the file.',
      passphrase: 'Export passphrase',
      passphraseHint:
        'At least {{min}} characters. A few unrelated words are easy to type and hard to guess.',
      confirm: 'Confirm export passphrase',
      showPassphrase: 'Show the passphrase',
      submit: 'Export the site',
      working:
        'Exporting: deriving the key from the passphrase, then copying the site. This takes a few seconds.',
      done: 'Site exported ({{size}}).',
      file: 'File',
      fileHint: 'On the computer that runs Lintel.',
      importHow:
        'To install it elsewhere, copy the file to that computer and run this there, with the passphrase at hand (add --data-dir for an empty folder of your choice):',
      kib: '{{n}} KiB',
      mib: '{{n}} MiB',
      errors: {
        required: 'Fill this in.',
        tooShort: 'Too short: at least {{min}} characters.',
        tooLong: 'Too long: at most {{max}} characters.',
        mismatch: 'The two passphrases differ.',
      },
    },
    openMode: {
      standard: 'Standard',
      office: 'Office',
      'timed-office': 'Timed office',
      lockdown: 'Lockdown',
    },
  },
  {
    timeZone: 'Zona horaria: {{zone}}',
    noSite:
      'Sus roles no incluyen ver la instalación. Use las secciones de la izquierda para lo que permiten.',
    doors: {
      title: 'Puertas',
      total_one: '{{count}} puerta',
      total_other: '{{count}} puertas',
      online: 'En línea: {{count}}',
      offline: 'Autónomas: {{count}}',
      rf: 'Radio: {{count}}',
      notStandard: 'No están en modo estándar',
      allStandard: 'Todas las puertas abren en modo estándar.',
      live: 'El estado en vivo de las puertas (abierta, bloqueada, oficina, confinamiento) está en la pantalla Puertas para las puertas de una unidad de control.',
    },
    events: {
      title: 'Eventos recientes',
      none: 'Todavía no hay eventos. Llegan cuando las puertas los comunican.',
      all: 'Todos los eventos',
    },
    keys: {
      title: 'Llaves por actualizar',
      count_one: '{{count}} llave debe actualizarse en un punto de actualización.',
      count_other: '{{count}} llaves deben actualizarse en un punto de actualización.',
      none: 'Todas las llaves emitidas llevan sus derechos actuales.',
    },
    devices: {
      title: 'Estado de los dispositivos',
      none: 'Todavía no hay pasarelas ni unidades de control registradas. Regístrelas en Pasarelas y unidades de control.',
      online: 'En línea: {{count}}',
      offline: 'Sin conexión: {{count}}',
      unpaired: 'Esperando el emparejamiento: {{count}}',
      behind: 'Configuración aún no actualizada: {{count}}',
      offlineList: 'Sin conexión ahora',
      all: 'Pasarelas y unidades de control',
    },
    move: {
      heading: 'Trasladar esta instalación',
      intro:
        'Exporte toda la instalación a un archivo, para instalarla con lintel serve o en otro ordenador.',
      holds:
        'El archivo contiene todo lo de esta instalación (titulares, llaves, puertas, operadores, el registro de auditoría y los secretos de la instalación), cifrado con la frase de paso que elija aquí. Se escribe en el ordenador donde se ejecuta Lintel: para una consola en un navegador, el servidor. Para importarlo hace falta esta frase de paso, y una olvidada no se puede recuperar: entréguela por separado del archivo.',
      passphrase: 'Frase de paso de la exportación',
      passphraseHint:
        'Al menos {{min}} caracteres. Unas cuantas palabras sin relación son fáciles de escribir y difíciles de adivinar.',
      confirm: 'Confirmar la frase de paso de la exportación',
      showPassphrase: 'Mostrar la frase de paso',
      submit: 'Exportar la instalación',
      working:
        'Exportando: se deriva la clave de la frase de paso y después se copia la instalación. Tarda unos segundos.',
      done: 'Instalación exportada ({{size}}).',
      file: 'Archivo',
      fileHint: 'En el ordenador donde se ejecuta Lintel.',
      importHow:
        'Para instalarla en otro sitio, copie el archivo a ese ordenador y ejecute allí esto, con la frase de paso a mano (añada --data-dir con una carpeta vacía de su elección):',
      kib: '{{n}} KiB',
      mib: '{{n}} MiB',
      errors: {
        required: 'Rellene este campo.',
        tooShort: 'Demasiado corta: al menos {{min}} caracteres.',
        tooLong: 'Demasiado larga: como máximo {{max}} caracteres.',
        mismatch: 'Las dos frases de paso no coinciden.',
      },
    },
    openMode: {
      standard: 'Estándar',
      office: 'Oficina',
      'timed-office': 'Oficina con horario',
      lockdown: 'Bloqueo',
    },
  },
);
