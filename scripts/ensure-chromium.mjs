#!/usr/bin/env node
// Make sure the Chromium that the e2e tests drive is installed (Debian's package; Playwright's own
// browser download is not used). Honours CHROMIUM_PATH. If it is missing and we are root on a
// system with apt-get, install it; otherwise say what to install and exit 1.
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function version(p) {
  const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  // Debian's wrapper may print a harmless "[: …: unexpected operator" on stderr (toolchain pitfall 6).
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(cmd, args) {
  console.log(`ensure-chromium: running ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    console.error(`ensure-chromium: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (executable(path)) {
  console.log(`ensure-chromium: found ${path} (${version(path) ?? 'version unknown'}); nothing to do`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');

if (process.env.CHROMIUM_PATH) {
  console.error(`ensure-chromium: CHROMIUM_PATH=${path} is not an executable file. Point it at a Chromium binary, or unset it to use /usr/bin/chromium.`);
  process.exit(1);
}

if (!isRoot || !hasApt) {
  console.error(
    `ensure-chromium: ${path} is missing. Install Chromium (Debian/Ubuntu: \`sudo apt-get install -y chromium\`), ` +
      'or set CHROMIUM_PATH to an existing Chromium/Chrome binary.' +
      (hasApt ? ' (Not running as root, so not installing it myself.)' : ' (No apt-get here, so not installing it myself.)'),
  );
  process.exit(1);
}

console.log(`ensure-chromium: ${path} is missing; installing Debian's chromium package`);
run('apt-get', ['update']);
run('apt-get', ['install', '-y', 'chromium']);
if (!executable(path)) {
  console.error(`ensure-chromium: apt-get installed chromium but ${path} is still missing`);
  process.exit(1);
}
console.log(`ensure-chromium: installed ${path} (${version(path) ?? 'version unknown'})`);
