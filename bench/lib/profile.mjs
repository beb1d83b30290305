// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function, and total time of the
// functions named in `focus` (time spent in them and everything they call).
import { readFileSync } from 'node:fs';

export function summarise(file, { top = 25, focus = [] } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur).callFrame.functionName;
      if (focus.includes(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + dt);
      }
    }
  });
  const pct = (v) => `${((100 * v) / total).toFixed(1)}%`;
  return {
    totalMs: Math.round(total / 1000),
    self: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${pct(v).padStart(6)} ${k}`),
    inclusive: focus.map((f) => `${pct(inclusive.get(f) ?? 0).padStart(6)} ${f}`),
  };
}

if (process.argv[1]?.endsWith('profile.mjs')) {
  const [file, ...focus] = process.argv.slice(2);
  const s = summarise(file, { focus });
  console.log(`total ${s.totalMs} ms\nself time:\n${s.self.join('\n')}\ninclusive:\n${s.inclusive.join('\n')}`);
}
