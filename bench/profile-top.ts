/**
 * The frames a V8 CPU profile (`npm run bench -- --profile DIR`) spent most time in, self time and the
 * share of the profile: `node --import tsx bench/profile-top.ts DIR/file.cpuprofile [N]`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName({ callFrame }: ProfileNode): string {
  const file = callFrame.url === '' ? '' : relative(process.cwd(), callFrame.url.replace(/^file:\/\//, ''));
  const where = file === '' ? '' : ` ${file.replace(/^node_modules\//, '')}:${callFrame.lineNumber + 1}`;
  return `${callFrame.functionName || '(anonymous)'}${where}`;
}

function topFrames(profile: Profile, count: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined) return;
    total += delta;
    const name = frameName(node);
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
  });
  return [...selfMicros.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

const [file, count = '25'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [N]\n');
  process.exit(2);
}
process.stdout.write(`${topFrames(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(count)).join('\n')}\n`);
