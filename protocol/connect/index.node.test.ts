/**
 * Messages from another realm (Node only: node:vm makes one). A page's message reaches a Firefox
 * content script through an Xray wrapper whose prototype is the page's `Object.prototype`, not the
 * script's; the bridge must still read it (protocol/connect `isPlain`).
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { connectChannel, parsePageMessage } from './index';

const hash = 'A'.repeat(42) + 'Q';

describe('parsePageMessage across realms', () => {
  it("accepts a request built in another realm, whose prototype is that realm's Object.prototype", () => {
    const foreign = runInNewContext(
      `({ channel: ${JSON.stringify(connectChannel)}, v: 1, from: 'page', type: 'request', id: 'a1', request: ${JSON.stringify(hash)} })`,
    ) as object;
    // The case at hand: not this realm's Object.prototype.
    expect(Object.getPrototypeOf(foreign)).not.toBe(Object.prototype);
    expect(parsePageMessage(foreign)).toEqual({
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'request',
      id: 'a1',
      request: hash,
    });
  });

  it('still drops arrays and class instances of another realm', () => {
    const fields = `channel: ${JSON.stringify(connectChannel)}, v: 1, from: 'page', type: 'request', id: 'a1', request: ${JSON.stringify(hash)}`;
    expect(parsePageMessage(runInNewContext(`[{ ${fields} }]`))).toBeUndefined();
    expect(
      parsePageMessage(
        runInNewContext(
          `class Message { constructor() { Object.assign(this, { ${fields} }); } }; new Message()`,
        ),
      ),
    ).toBeUndefined();
  });
});

describe('the unlock message across realms', () => {
  it('accepts one built in another realm and drops it with an extra member', () => {
    const head = `channel: ${JSON.stringify(connectChannel)}, v: 1, from: 'page', type: 'unlock', id: 'u1'`;
    expect(parsePageMessage(runInNewContext(`({ ${head} })`))).toEqual({
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'unlock',
      id: 'u1',
    });
    expect(parsePageMessage(runInNewContext(`({ ${head}, tab: 1 })`))).toBeUndefined();
  });
});
