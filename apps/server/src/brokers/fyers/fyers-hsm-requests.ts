/**
 * Client → server HSM frames (brokers.md §3.6), big-endian:
 * `[u16 length = total-2][u8 type][u8 field_count]` then `[u8 id][u16 len][bytes]` per field.
 */

function frame(type: number, fields: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  const parts = fields.map(([id, v]) => {
    const h = Buffer.alloc(3);
    h.writeUInt8(id, 0);
    h.writeUInt16BE(v.length, 1);
    return Buffer.concat([h, v]);
  });
  const head = Buffer.alloc(4);
  head.writeUInt16BE(4 + parts.reduce((n, p) => n + p.length, 0) - 2, 0);
  head.writeUInt8(type, 2);
  head.writeUInt8(fields.length, 3);
  return Buffer.concat([head, ...parts]);
}

/** Type 1: hsm_key, mode "P" (full), a 0x01 byte, and the source string. Total 18 + key + source bytes. */
export function hsmAuthFrame(hsmKey: string, source = 'ATS-Node'): Buffer {
  return frame(1, [
    [1, Buffer.from(hsmKey, 'ascii')],
    [2, Buffer.from('P', 'ascii')],
    [3, Buffer.from([1])],
    [4, Buffer.from(source, 'ascii')],
  ]);
}

function topicList(topics: readonly string[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16BE(topics.length, 0);
  return Buffer.concat([count, ...topics.map((t) => Buffer.concat([Buffer.from([Buffer.byteLength(t, 'ascii')]), Buffer.from(t, 'ascii')]))]);
}

/** Type 4 (subscribe) / 5 (unsubscribe): field 1 the topic list, field 2 the channel (default 11). */
export function hsmSubscribeFrame(topics: readonly string[], channel = 11): Buffer {
  return frame(4, [
    [1, topicList(topics)],
    [2, Buffer.from([channel])],
  ]);
}

export function hsmUnsubscribeFrame(topics: readonly string[], channel = 11): Buffer {
  return frame(5, [
    [1, topicList(topics)],
    [2, Buffer.from([channel])],
  ]);
}

/** The SDK's 3-byte keep-alive (`00 01 0B`), sent every 10 s. */
export const HSM_PING = Buffer.from([0x00, 0x01, 0x0b]);
