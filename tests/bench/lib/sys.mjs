// What the benchmark reads from the host: process trees, their CPU time
// and memory (/proc), the host's CPU, and the work of processes outside
// the run, which disturbs a figure when it is more than a few percent.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

// Fields of /proc/PID/stat after the ")" that ends comm: [0] is state,
// [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.
function statFields(pid) {
  const s = read(`/proc/${pid}/stat`);
  return s === null ? null : s.slice(s.lastIndexOf(')') + 2).split(' ');
}

// The roots and every descendant (a server's workers).
export function treePids(roots) {
  const out = [];
  const todo = [...roots];
  while (todo.length > 0) {
    const pid = todo.shift();
    if (!fs.existsSync(`/proc/${pid}`)) continue;
    out.push(pid);
    for (const task of fs.readdirSync(`/proc/${pid}/task`, { withFileTypes: true })) {
      const kids = read(`/proc/${pid}/task/${task.name}/children`);
      if (kids) todo.push(...kids.trim().split(/\s+/).filter(Boolean).map(Number));
    }
  }
  return out;
}

// utime + stime of the processes, in seconds.
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / CLK_TCK;
}

// Summed RSS and PSS in KiB; PSS counts pages the processes share once.
export function memKb(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    const st = read(`/proc/${pid}/status`);
    const m = st && st.match(/^VmRSS:\s+(\d+)/m);
    if (m) rss += Number(m[1]);
    const ro = read(`/proc/${pid}/smaps_rollup`);
    const p = ro && ro.match(/^Pss:\s+(\d+)/m);
    if (p) pss += Number(p[1]);
  }
  return { rss, pss };
}

// Busy and total jiffies of the whole host: load tool and servers share
// the cores, and loopback softirq work is charged to neither process.
// tasks: time charged to processes (user, nice, system), which is where
// the run's own time is counted; irq and softirq time (this kernel
// accounts it apart) is mostly the run's loopback traffic.
function hostCpu() {
  const f = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  return { busy, tasks: f[0] + f[1] + f[2], total: busy + f[3] + f[4] };
}

// Ticks of the run's own processes (with the children they reaped): the
// trees of this driver and of PostgreSQL's postmaster.
function ourTicks(roots) {
  let t = 0;
  for (const pid of treePids(roots.filter(Boolean))) {
    const f = statFields(pid);
    if (f) t += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return t;
}

// Around a measured period: end() gives the host's busy % and the % (of
// all cores) that processes outside the run took: the time charged to
// processes less the run's own. (Counting the others by PID instead
// overcounts: a process reaped during the period brings its whole
// life's CPU time to its parent.)
export function loadWatch(ourRoots) {
  const h0 = hostCpu();
  const o0 = ourTicks(ourRoots);
  return {
    end() {
      const h1 = hostCpu();
      const ours = ourTicks(ourRoots) - o0;
      const total = h1.total - h0.total;
      const tasks = h1.tasks - h0.tasks;
      return {
        busy: total > 0 ? Math.round((100 * (h1.busy - h0.busy)) / total) : null,
        other: total > 0 ? Math.max(0, Math.round((100 * (tasks - ours)) / total)) : null,
      };
    },
  };
}

export const loadavg = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

export function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const taken = new Set();

// A free port in 19100-19199, never one this run handed out before.
export async function freePort() {
  for (let p = 19100; p < 19200; p++) {
    if (p === 19150 || taken.has(p)) continue;
    if (!(await portInUse(p))) {
      taken.add(p);
      return p;
    }
  }
  throw new Error('no free port in 19100-19199');
}

export async function waitPort(port, ms = 10000) {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(100)) {
    if (await portInUse(port)) return true;
  }
  return false;
}

export function machineLine() {
  const cpu = (read('/proc/cpuinfo').match(/^model name\s*: (.*)$/m) ?? [])[1];
  const mem = Math.round(os.totalmem() / 2 ** 30);
  const distro = (read('/etc/os-release').match(/^PRETTY_NAME="?([^"\n]*)/m) ?? [])[1];
  // nginx -v and kore -v answer on stderr.
  const ver = (cmd, args, re) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.match(re)?.[1] ?? '?';
  };
  return `${os.cpus().length} x ${cpu}, ${mem} GiB RAM, ${distro}, kernel ${os.release()}, ` +
    `PostgreSQL ${ver('psql', ['--version'], /(\d+\.\d+)/)}, ` +
    `kore ${ver('kore', ['-v'], /^(\S+)/)}, nginx ${ver('/usr/sbin/nginx', ['-v'], /\/(\S+)/)}`;
}
