/**
 * Reads a `callgrind` dump: its total instructions, and the self cost of each function grouped by
 * where the code lives (the node binary's C++ — V8's optimizing compiler and collector by name —,
 * V8's builtins and interpreter, code V8 generated at run time, the C library, the native addons).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { tandemEnvironment, type ServerKind } from './servers.js';

const run = promisify(execFile);

/**
 * Runs a `callgrind_control` command against a server under callgrind and waits for its answer.
 * Valgrind names its pipes after the server's `HOST` variable (Tandem's is set by
 * `tandemEnvironment`), so the command runs with the server's, and with the `--vgdb-prefix` the
 * server was started with, if any.
 */
export async function control(kind: ServerKind, pid: number, args: string[], vgdbPrefix?: string): Promise<void> {
  const env = {
    ...process.env,
    HOST: kind === 'tandem' ? tandemEnvironment(0, { kind: 'sqlite', file: '' }).HOST : process.env.HOST,
  };
  const prefix = vgdbPrefix ? [`--vgdb-prefix=${vgdbPrefix}`] : [];
  const { stdout, stderr } = await run('callgrind_control', [...prefix, ...args, String(pid)], {
    timeout: 600_000,
    env,
  });
  // It exits 0 whether or not the server answered.
  if (!/OK\./.test(stdout)) throw new Error(`callgrind_control ${args.join(' ')}: ${stdout}${stderr}`);
}

export interface CallgrindDump {
  total: number;
  /** Self instructions by group (see `groupOf`). */
  groups: Map<string, number>;
  /** Self instructions by `group: function`. */
  functions: Map<string, number>;
}

/** V8's collector and what it calls (the names of its classes), wherever a collection starts. */
const collector =
  /Scaveng|Marking|Sweep|Heap::|HeapObject::SizeFromMap|heap::base|Evacuat|Compactor|MemoryChunk|Pretenuring|RememberedSet|LiveObject|FreeList|NewSpace|PagedSpace|MemoryAllocator|IterateObjectCache|GlobalHandles|RecordMigratedSlot|cppgc|GCTracer|RootVisitor|SlotSet|UpdatingItem|StringTableCleaner/;

/** Where a function's code lives, by its object file and name. */
function groupOf(object: string, fn: string): string {
  const file = path.basename(object);
  if (object === '???' || object === '' || /^0x[0-9a-f]+/i.test(fn)) return 'generated code (JIT)';
  if (file === 'node' || file.startsWith('libnode')) {
    if (fn.startsWith('Builtins_')) return 'V8 builtins and interpreter';
    if (/v8::internal::(compiler|maglev)::/.test(fn)) return 'V8 optimizing compiler';
    if (collector.test(fn)) return 'V8 collector';
    return 'node C++ (V8 runtime, libuv, Node)';
  }
  if (file.startsWith('libc.') || file.startsWith('libc-') || file.startsWith('ld-linux')) return 'C library';
  if (file.startsWith('libstdc++') || file.startsWith('libgcc')) return 'C++ runtime';
  if (file.endsWith('.node')) return `addon ${file}`;
  return file;
}

/** Code V8 generated, named by the map `--perf-basic-prof` writes (`start size name`, hexadecimal). */
export function perfMap(file: string): (address: string) => string | undefined {
  // Code freed by the collector leaves its place to newer code: the last entry at a start wins,
  // and an entry overlapped by a later one is dropped.
  const latest = new Map<number, [number, number, string, number]>();
  if (existsSync(file)) {
    for (const [index, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      if (match) latest.set(parseInt(match[1], 16), [parseInt(match[1], 16), parseInt(match[2], 16), match[3], index]);
    }
  }
  const sorted = [...latest.values()].sort((a, b) => a[0] - b[0]);
  const entries = sorted.filter(([start, , , index], at) => {
    const before = sorted[at - 1];
    const after = sorted[at + 1];
    const overlappedBefore = before && before[0] + before[1] > start && before[3] > index;
    const overlappedAfter = after && start + sorted[at][1] > after[0] && after[3] > index;
    return !overlappedBefore && !overlappedAfter;
  });
  return (address) => {
    const at = parseInt(address, 16);
    let low = 0;
    let high = entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const [start, size, name] = entries[middle];
      if (at < start) high = middle - 1;
      else if (at >= start + size) low = middle + 1;
      else return name;
    }
    return undefined;
  };
}

/**
 * Parses a dump written with one event (`Ir`): self cost per function; call lines are not self
 * cost. `name` names generated code by its address.
 */
export function readCallgrind(
  file: string,
  name: (address: string) => string | undefined = () => undefined,
): CallgrindDump {
  const names = { ob: new Map<string, string>(), fn: new Map<string, string>() };
  // `ob=(3) /path` defines id 3, `ob=(3)` refers to it.
  const resolve = (kind: 'ob' | 'fn', value: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(value);
    if (!match) return value;
    if (match[2] !== undefined) names[kind].set(match[1], match[2]);
    return names[kind].get(match[1]) ?? value;
  };
  let object = '';
  let fn = '';
  let total = 0;
  let skipNext = false;
  const functions = new Map<string, number>();
  const groups = new Map<string, number>();
  let current: { key: string; group: string } | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const first = line.charCodeAt(0);
    const isCost = (first >= 0x30 && first <= 0x39) || line[0] === '+' || line[0] === '-' || line[0] === '*';
    if (isCost) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const cost = Number(line.split(' ')[1] ?? 0);
      if (!cost) continue;
      if (!current) {
        const group = groupOf(object, fn);
        const address = /^0x[0-9a-f]+/i.exec(fn)?.[0];
        current = { key: `${group}: ${(address && name(address)) ?? fn}`, group };
      }
      functions.set(current.key, (functions.get(current.key) ?? 0) + cost);
      groups.set(current.group, (groups.get(current.group) ?? 0) + cost);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) {
      if (line.startsWith('totals:') || line.startsWith('summary:')) total = Number(line.split(/\s+/)[1]);
      continue;
    }
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1);
    if (key === 'ob') {
      object = resolve('ob', value);
      current = undefined;
    } else if (key === 'fn') {
      fn = resolve('fn', value);
      current = undefined;
    } else if (key === 'cob') resolve('ob', value);
    else if (key === 'cfn') resolve('fn', value);
    else if (key === 'calls') skipNext = true;
  }
  return { total, groups, functions };
}
