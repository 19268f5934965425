// Chromium's renderer processes on this machine, from /proc (Linux): the
// benchmarks that measure the page's memory (page-bench.mjs, mem-probe.mjs)
// read their resident size here.
import { readFileSync, readdirSync } from 'node:fs';

/** The process group of process `pid` (field 5 of /proc/PID/stat). */
function processGroup(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command's name, which is in parentheses and may hold spaces.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Each renderer process now (of process group `group` only, if given: one
 * browser's): its pid and resident size (VmRSS, bytes). */
export function renderers(group = null) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('--type=renderer')) continue;
      if (group !== null && processGroup(pid) !== group) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) found.push({ pid: Number(pid), rss: Number(rss[1]) * 1024 });
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/** The page's renderer: the largest (a blank tab's is far smaller), or null. */
export function largestRenderer(group = null) {
  return renderers(group).sort((a, b) => b.rss - a.rss)[0] ?? null;
}
