// The bench scripts' command line: `--name value` options and `--name` flags.

const args = process.argv.slice(2);

/** The value given after `name` (`--rate 4`), or `fallback`. */
export function option(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Whether `name` (`--no-stroke`) was given. */
export function flag(name) {
  return args.includes(name);
}
