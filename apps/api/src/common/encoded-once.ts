import { randomBytes } from 'node:crypto';
import { Decoder, Encoder, PacketType, protocol, type Packet } from 'socket.io-parser';

/**
 * Values that many acks carry at once — the history, read markers and first page of members every
 * join of a storm is answered with — are turned into JSON once, not once per ack: a join storm
 * spent a fifth of its time encoding the same 20 KB again, and as much in collecting it.
 *
 * `encodedOnce(value)` freezes the value (its JSON is kept, so it must not change) and gives it a
 * `toJSON` of its own. Outside the Socket.IO encoder and `toJson` it is plain JSON. Inside them
 * (`encoding` set), it stands for a placeholder that no client text can forge (a random marker
 * drawn per process), which is then replaced by the value's kept JSON. A new message is one such
 * value too: its JSON is written once, for its change's record, its command's stored result, its
 * broadcast and its ack.
 *
 * A packet whose every value's JSON is known — a broadcast of a change, whose JSON the change log
 * made for its record, or an ack whose data is that of a stored result or an object of shared
 * values (a new message's `{ message }`) — is written from that JSON without `JSON.stringify`.
 */

// Short (each placeholder is written as JSON, and escaping is checked character by character), and 96 random bits.
const marker = `${randomBytes(12).toString('base64url')}:`;
/** A placeholder as it stands in JSON: `"<marker><index>"`. */
const placeholder = `"${marker}`;
const kept = new WeakMap<object, string>();
/** The shared values met by the packet being encoded, in the order of their placeholders. */
let encoding: object[] | undefined;

function toJSON(this: object): unknown {
  if (!encoding) return this;
  let index = encoding.indexOf(this);
  if (index < 0) index = encoding.push(this) - 1;
  return `${marker}${index}`;
}

function jsonOf(value: object): string {
  let json = kept.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    kept.set(value, json);
  }
  return json;
}

/** The JSON of the names met (events, keys: the code's own), each made once. */
const names = new Map<string, string>();
const maxNames = 1_000;

function nameJson(name: string): string {
  let json = names.get(name);
  if (json === undefined) {
    json = JSON.stringify(name);
    if (names.size < maxNames) names.set(name, json);
  }
  return json;
}

/** Marks `value` as shared by many packets: frozen, and turned into JSON once. */
export function encodedOnce<T extends object>(value: T): T {
  if (!Object.isFrozen(value)) Object.defineProperty(value, 'toJSON', { value: toJSON });
  return Object.freeze(value);
}

/**
 * `encodedOnce`, its JSON written by the caller (who keeps parts of it from one value to the
 * next): it must be what `JSON.stringify(value)` writes.
 */
export function encodedAs<T extends object>(value: T, json: string): T {
  kept.set(value, json);
  return encodedOnce(value);
}

/**
 * Whether the packet's data must go as binary attachments: Socket.IO's own test, except that a
 * shared value (JSON from the database) is not walked through for every packet that holds it.
 */
function holdsBinary(value: unknown): boolean {
  return typeof value === 'object' && value !== null && holdsBinaryObject(value);
}

/**
 * Plain loops, and only objects looked into: this walks every ack and broadcast. A plain object
 * (the prototype `Object.prototype`, no `toJSON`, as almost every value sent) is neither binary
 * nor turned into JSON by a function of its own, so it is not asked whether it is.
 */
function holdsBinaryObject(value: object, viaToJSON = false): boolean {
  const object = value as { toJSON?: unknown };
  if (object.toJSON === toJSON) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (holdsBinary(value[index])) return true;
    return false;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) || value instanceof Blob) return true;
    if (typeof object.toJSON === 'function' && !viaToJSON) {
      const json: unknown = (object.toJSON as () => unknown)();
      return typeof json === 'object' && json !== null && holdsBinaryObject(json, true);
    }
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && Object.hasOwn(value, key) && holdsBinaryObject(item)) return true;
  }
  return false;
}

/** Socket.IO's encoder, writing the kept JSON of the shared values a packet holds. */
export class EncodedOnceEncoder extends Encoder {
  override encode(packet: Packet): unknown[] {
    const text =
      packet.type === PacketType.ACK
        ? storedAck(packet)
        : packet.type === PacketType.EVENT
          ? storedEvent(packet)
          : undefined;
    if (text !== undefined) return [text];
    const event = packet.type === PacketType.EVENT || packet.type === PacketType.ACK;
    if (event && holdsBinary(packet.data)) return super.encode(packet) as unknown[];
    return [withKeptJson(() => (this as unknown as { encodeAsString(packet: Packet): string }).encodeAsString(packet))];
  }
}

/** What `encode` writes, the placeholders of the shared values it met replaced by their kept JSON. */
function withKeptJson(encode: () => string): string {
  const met: object[] = [];
  encoding = met;
  let text: string;
  try {
    text = encode();
  } finally {
    encoding = undefined;
  }
  return met.length === 0 ? text : spliced(text, met);
}

/** `text` with each placeholder replaced by its value's kept JSON (found by `indexOf`: a global regular expression with a callback cost twice the JSON it saved). */
function spliced(text: string, met: object[]): string {
  let written = '';
  let from = 0;
  for (let at = text.indexOf(placeholder); at >= 0; at = text.indexOf(placeholder, from)) {
    const end = text.indexOf('"', at + placeholder.length);
    written += text.slice(from, at) + jsonOf(met[Number(text.slice(at + placeholder.length, end))]!);
    from = end + 1;
  }
  return written + text.slice(from);
}

/** The JSON `toJson` made of each object, by the object: what its command's ack then splices in. */
const storedJson = new WeakMap<object, string>();

/**
 * `JSON.stringify(value)`, the shared values it holds written from their kept JSON. The JSON of an
 * object is kept with it: a command's result is stored with its opId this way, and its ack
 * `{ok: true, data}` then carries that JSON instead of turning the result into JSON again (and
 * looking through it for binary data: a value stored as JSON goes as that JSON). A result must
 * therefore not change once stored, as a retry, answered from the stored JSON, would not see it.
 */
export function toJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let json = storedJson.get(value);
  if (json === undefined) {
    json = withKeptJson(() => JSON.stringify(value));
    storedJson.set(value, json);
  }
  return json;
}

/**
 * `value` with its JSON written by the caller, as `toJson` would have made it (a new message's
 * change: see `newMessageCreated`): it must be what `JSON.stringify(value)` writes, and `value`
 * must not change.
 */
export function writtenAs<T extends object>(value: T, json: string): T {
  storedJson.set(value, json);
  return value;
}

/**
 * The JSON of `data` made before: that of a stored result (`toJson`), or, for a plain object of
 * shared values, theirs written as its members; otherwise nothing.
 */
function knownJson(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const json = storedJson.get(data);
  if (json !== undefined || Object.getPrototypeOf(data) !== Object.prototype || 'toJSON' in data) return json;
  let written = '{';
  for (const key in data) {
    const item = (data as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null || (item as { toJSON?: unknown }).toJSON !== toJSON) return undefined;
    written += `${written.length === 1 ? '' : ','}${nameJson(key)}:${jsonOf(item)}`;
  }
  return written.length === 1 ? undefined : `${written}}`;
}

/** What Socket.IO's `encodeAsString` puts before the data: type, namespace, id. */
function header(packet: Packet): string {
  const namespace = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
  return `${packet.type}${namespace}${packet.id ?? ''}`;
}

/**
 * An ack exactly `{ok: true, data}` whose data's JSON is known (`knownJson`), written as Socket.IO's
 * encoder would write it (`encodeAsString`: type, namespace, id, JSON); otherwise nothing.
 */
function storedAck(packet: Packet): string | undefined {
  const args = packet.data as unknown;
  if (!Array.isArray(args) || args.length !== 1) return undefined;
  const ack = args[0] as { ok?: unknown; data?: unknown } | null;
  if (typeof ack !== 'object' || ack === null || Object.getPrototypeOf(ack) !== Object.prototype) return undefined;
  if (ack.ok !== true || 'toJSON' in ack) return undefined;
  let keys = 0;
  for (const key in ack) if (key !== (keys++ === 0 ? 'ok' : 'data')) return undefined;
  if (keys !== 2) return undefined;
  const json = knownJson(ack.data);
  return json === undefined ? undefined : `${header(packet)}[{"ok":true,"data":${json}}]`;
}

/**
 * An event with one argument whose JSON is known (a change broadcast as the change log recorded
 * it), written as `encodeAsString` would write it; otherwise nothing.
 */
function storedEvent(packet: Packet): string | undefined {
  const args = packet.data as unknown;
  if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') return undefined;
  const json = knownJson(args[1]);
  return json === undefined ? undefined : `${header(packet)}[${nameJson(args[0])},${json}]`;
}

/** The `parser` option of Socket.IO's server: its own wire format, with `EncodedOnceEncoder`. */
export const encodedOnceParser = { protocol, Encoder: EncodedOnceEncoder, Decoder };
