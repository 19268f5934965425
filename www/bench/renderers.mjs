// Chromium's processes on this machine, from /proc (Linux): the benchmarks
// that measure the page's memory (page-bench.mjs, mem-probe.mjs) read their
// resident size here.
import { readFileSync, readdirSync } from 'node:fs';

/** The process group of process `pid` (field 5 of /proc/PID/stat). */
function processGroup(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command's name, which is in parentheses and may hold spaces.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/**
 * Each Chromium process of `type` now (`--type=renderer`, `--type=gpu-process`;
 * of process group `group` only, if given: one browser's): its pid and
 * resident size in bytes, in all (VmRSS) and by kind: anonymous memory
 * (heaps, the WebAssembly memory), file-backed pages (Chromium's binary and
 * libraries, shared with its other processes) and shared memory (raster
 * tiles and other buffers handed to another process).
 */
export function processes(type, group = null) {
  // Chromium writes its arguments back as one string: the type is followed
  // by a space, or ends an argument.
  const ofType = new RegExp(`--type=${type}(\\s|\\0|$)`);
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!ofType.test(cmdline)) continue;
      if (group !== null && processGroup(pid) !== group) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      if (Number.isFinite(kb('VmRSS'))) found.push({ pid: Number(pid), rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') });
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/** Each renderer process now: see processes(). */
export function renderers(group = null) {
  return processes('renderer', group);
}

/** The page's renderer: the largest (a blank tab's is far smaller), or null. */
export function largestRenderer(group = null) {
  return renderers(group).sort((a, b) => b.rss - a.rss)[0] ?? null;
}
