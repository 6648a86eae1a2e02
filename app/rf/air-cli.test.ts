import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/until.js';
import { RadioPort } from './air.js';
import { simAirCommand, simAirOptions } from './air-cli.js';

describe('lintel sim air', () => {
  it('listens, prints its port, answers stats/radios/loss on stdin, and stops on request', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (c: Buffer) => (text += c.toString('utf8')));
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const run = simAirCommand(
      { port: 0, host: '127.0.0.1', loss: 0, dup: 0, seed: 9 },
      { input, out: output },
      { stop: stopped },
    );
    const port = Number(
      (
        await until(() => /air listening on 127\.0\.0\.1:(\d+) \(seed 9/.exec(text) ?? false, 'the banner')
      )[1],
    );
    const a = await RadioPort.connect({ air: { host: '127.0.0.1', port }, ext: '00124B0000000001' });
    const b = await RadioPort.connect({
      air: { host: '127.0.0.1', port },
      ext: '00124B0000000002',
      channel: 26,
    });
    try {
      a.send(Buffer.from('x'));
      await until(() => {
        input.write('stats\n');
        return text.includes('sent 1,');
      }, 'the frame counted');
      input.write('radios\nloss 0.5\nloss 2\nfly\n');
      await until(() => text.includes('error: unknown command "fly"'), 'the commands answered');
      expect(text).toContain('00124B0000000001 channel 15');
      expect(text).toContain('00124B0000000002 channel 26');
      expect(text).toMatch(/radios 2, sent 1, .* \(loss 0\.5, dup 0\)/);
      expect(text).toContain('error: loss P: a share from 0 to 1');
    } finally {
      a.close();
      b.close();
    }
    stop();
    await run;
  });

  it('exports its options', () => {
    expect(simAirOptions().map((o) => o.long)).toEqual([
      '--port',
      '--host',
      '--loss',
      '--dup',
      '--seed',
      '--airtime',
    ]);
  });
});
