import { PassThrough } from 'node:stream';
import { MAX_MESSAGE_LINE_BYTES, readReadyMessages } from './ready-message.reader.js';

describe('readReadyMessages', () => {
  function setup() {
    const channel = new PassThrough();
    let ready = 0;
    readReadyMessages(channel, () => (ready += 1));
    return { channel, ready: () => ready };
  }

  it("reports the first 'ready' line once, whatever comes before or after", () => {
    const { channel, ready } = setup();
    channel.write('{"cmd":"NODE_X"}\n"starting"\n');
    expect(ready()).toBe(0);
    channel.write('"rea');
    channel.write('dy"\n"ready"\n');
    expect(ready()).toBe(1);
  });

  it('drops a line longer than the cap without keeping it, and still sees a later ready', () => {
    const { channel, ready } = setup();
    channel.write('"' + 'x'.repeat(MAX_MESSAGE_LINE_BYTES * 4));
    channel.write('x'.repeat(MAX_MESSAGE_LINE_BYTES * 4) + '"\n');
    channel.write('"ready"\n');
    expect(ready()).toBe(1);
  });

  it("does not take a 'ready' that ends an over-long line", () => {
    const { channel, ready } = setup();
    channel.write('x'.repeat(MAX_MESSAGE_LINE_BYTES + 1));
    channel.write('"ready"\n');
    expect(ready()).toBe(0);
  });

  it('ignores lines that are not JSON', () => {
    const { channel, ready } = setup();
    channel.write('ready\n{oops\n');
    expect(ready()).toBe(0);
  });
});
