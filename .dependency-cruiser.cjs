/**
 * The floors of src/ (ARCHITECTURE.md, "Floors"): `npm run floors`, part of `npm run lint`.
 *
 * Each floor lists folders of src/; a module imports only its own folder and the floors below its own.
 * Folders on one floor do not import each other, so each floor's folders can be read in any order. Type-only
 * imports count: they are what a reader follows too.
 */

/** Lowest first. A folder is a path below src/ (`store/redis` is a floor of its own: see below). */
const floors = [
  // The shared types and records, and the few constants that belong to them. Imports nothing of ours.
  ['domain'],
  // Leaves: ids, the gateway error, the reloading view, the core model every dialect converts through.
  ['ids', 'errors', 'support', 'ir'],
  // The config schema, and the upstream HTTP client with its clocks.
  ['config', 'upstream'],
  // The store's ports and its SQL backends (the Redis adapters are further up).
  ['store'],
  // Gateway keys, and the master key's SecretBox that seals stored provider keys and captures.
  ['keys'],
  // Governed content capture: redaction, sealing (with keys' SecretBox, so above it), the request thread's
  // recorder and the retention loop; below usage, whose writer thread redacts and seals captured calls.
  ['capture'],
  // What reads or writes the store on its own: dashboard sessions, usage writing and pricing.
  ['dashboard', 'usage'],
  // Provider entries and credentials; the dialects (the wire shapes and their codecs).
  ['providers', 'dialects'],
  // Who may call and how much (authentication, limits, budgets); the response cache.
  ['policy', 'cache'],
  // From a requested model to ordered targets.
  ['routing'],
  // Readers of everything below: the mock upstream, the tracing port, metrics, analytics reports.
  ['mock', 'telemetry', 'metrics', 'analytics'],
  // Evaluation work over the gateway (issue 22 §3, replay): it reads captures, issues a run key, resolves the
  // candidate's targets to price an estimate, decodes answers with the dialects and compares runs with
  // analytics' report, so it sits above all of those; the server never needs it, and the CLI drives it.
  ['outcomes'],
  // Shared state in Redis: it implements the ports of policy (limits, budgets), routing (cooldowns) and
  // cache, so it sits above them, unlike the rest of store/.
  ['store/redis'],
  // The HTTP server and the request path, which put every floor together.
  ['server'],
  // The command line, which starts the server.
  ['cli'],
];

const escape = (folder) => folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const under = (folders) => `^src/(${folders.map(escape).join('|')})/`;
/** The folders nested inside `folder` that are floors of their own (store/redis inside store). */
const carvedOutOf = (folder) => floors.flat().filter((other) => other.startsWith(`${folder}/`));

const floorRules = floors.flatMap((floor, level) =>
  floor.map((folder) => {
    const above = floors.slice(level + 1).flat().filter((other) => !folder.startsWith(`${other}/`));
    const beside = floor.filter((other) => other !== folder);
    const carved = carvedOutOf(folder);
    return {
      name: `floor-${folder.replace('/', '-')}`,
      severity: 'error',
      comment: `src/${folder} (floor ${level}) imports only its own folder and the floors below it.`,
      from: { path: `^src/${escape(folder)}/`, ...(carved.length > 0 && { pathNot: under(carved) }) },
      to: { path: under([...above, ...beside]) },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-nothing-of-ours',
      severity: 'error',
      comment: 'src/domain is the ground floor: the shared types import nothing else of src/.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    ...floorRules,
    {
      name: 'on-a-floor',
      severity: 'error',
      comment: 'Every folder of src/ is on a floor: add a new one to `floors` in .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: under(floors.flat()) },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles, type-only ones included: put the shared type where both can import it downward.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (a circle of types is still a circle to a reader).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
