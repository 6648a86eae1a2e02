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
      live: 'Live door state (open, closed, forced) arrives with the gateways.',
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
      none: 'No gateways, control units or locks are connected yet. They appear here with their battery and last contact once they are.',
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
      live: 'El estado en vivo de las puertas (abierta, cerrada, forzada) llega con las pasarelas.',
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
      none: 'Todavía no hay pasarelas, unidades de control ni cerraduras conectadas. Aparecerán aquí con su batería y último contacto cuando lo estén.',
    },
    openMode: {
      standard: 'Estándar',
      office: 'Oficina',
      'timed-office': 'Oficina con horario',
      lockdown: 'Bloqueo',
    },
  },
);
