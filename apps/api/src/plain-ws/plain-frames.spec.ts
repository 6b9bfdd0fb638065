import { describe, expect, it } from '@jest/globals';
import { BroadcastFrames, readFrame } from './plain-frames.js';

describe(readFrame.name, () => {
  it('reads an auth frame', () => {
    expect(readFrame('{"auth":{"token":"t"}}')).toEqual({ kind: 'auth', auth: { token: 't' } });
  });

  it('reads a command, and a signal without an id', () => {
    expect(readFrame('{"id":7,"ns":"/chat","event":"room:list","data":{}}')).toEqual({
      kind: 'command',
      frame: { id: 7, ns: '/chat', event: 'room:list', data: {} },
    });
    expect(readFrame('{"ns":"/chat","event":"typing","data":{"typing":true}}')).toMatchObject({ kind: 'command' });
  });

  it('refuses what is not JSON, with no id to answer', () => {
    expect(readFrame('{')).toEqual({
      kind: 'invalid',
      id: undefined,
      error: { code: 'VALIDATION', message: 'the frame is not JSON' },
    });
  });

  it('keeps the id of a frame it refuses, when the id is valid', () => {
    expect(readFrame('{"id":3,"ns":"/chat"}')).toMatchObject({ kind: 'invalid', id: 3 });
    expect(readFrame('{"id":-1,"ns":"/chat"}')).toMatchObject({ kind: 'invalid', id: undefined });
    expect(readFrame('[1,2]')).toMatchObject({ kind: 'invalid', id: undefined });
  });

  it('refuses a command without an id, and unknown keys', () => {
    expect(readFrame('{"ns":"/lists","event":"list:list","data":{}}')).toMatchObject({
      kind: 'invalid',
      error: { code: 'VALIDATION' },
    });
    expect(readFrame('{"id":1,"ns":"/chat","event":"x","more":1}')).toMatchObject({ kind: 'invalid', id: 1 });
    expect(readFrame('{"auth":"token"}')).toMatchObject({ kind: 'invalid' });
  });
});

describe(BroadcastFrames.name, () => {
  it('turns an encoded event packet into a frame, once per broadcast', () => {
    const sut = new BroadcastFrames();
    const encoded = ['2/chat,["message:created",{"seq":1}]'];
    const frames = sut.framesOf(encoded);
    expect(frames.map(String)).toEqual(['{"ns":"/chat","event":"message:created","data":{"seq":1}}']);
    expect(sut.framesOf(encoded)).toBe(frames);
    expect(sut.framesOf(['2["hello",1]']).map(String)).toEqual(['{"ns":"/","event":"hello","data":1}']);
  });

  it('skips packets that are not text events', () => {
    expect(new BroadcastFrames().framesOf(['3/chat,1[{}]', Buffer.from('x')])).toEqual([]);
  });
});
