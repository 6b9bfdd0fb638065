/**
 * What grew between two V8 heap snapshots (`npm run bench -- --only idle-memory --heap DIR`
 * writes one per plateau): retained self size and object count by constructor, per connection.
 *
 *   node bench/dist/heap-summary.js <smaller.heapsnapshot> <larger.heapsnapshot> <connections added> [top=25]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function bySize(file: string): Map<string, { size: number; count: number }> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const totals = new Map<string, { size: number; count: number }>();
  for (let index = 0; index < data.nodes.length; index += width) {
    const type = types[data.nodes[index + typeAt]];
    const name = type === 'object' || type === 'closure' ? data.strings[data.nodes[index + nameAt]] : `(${type})`;
    const key = type === 'closure' ? `${name}()` : name;
    const entry = totals.get(key) ?? { size: 0, count: 0 };
    entry.size += data.nodes[index + sizeAt];
    entry.count++;
    totals.set(key, entry);
  }
  return totals;
}

const [smaller, larger, addedArg, topArg] = process.argv.slice(2);
if (!smaller || !larger || !addedArg) {
  console.error('usage: heap-summary.js <smaller.heapsnapshot> <larger.heapsnapshot> <connections added> [top]');
  process.exit(2);
}
const added = Number(addedArg);
const before = bySize(smaller);
const after = bySize(larger);
const growth = [...after].map(([name, { size, count }]) => ({
  name,
  bytes: size - (before.get(name)?.size ?? 0),
  objects: count - (before.get(name)?.count ?? 0),
}));
const total = growth.reduce((sum, entry) => sum + entry.bytes, 0);
console.log(`heap growth ${(total / added / 1024).toFixed(2)} KB per connection (self sizes, ${added} connections)`);
console.log('   bytes/conn  objects/conn  constructor');
for (const entry of growth.sort((a, b) => b.bytes - a.bytes).slice(0, Number(topArg ?? 25))) {
  console.log(
    `${(entry.bytes / added).toFixed(0).padStart(12)}  ${(entry.objects / added).toFixed(2).padStart(12)}  ${entry.name}`,
  );
}
