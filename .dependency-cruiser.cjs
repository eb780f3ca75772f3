/**
 * The layers of src/, checked by `npm test` (`npm run layers`). Each folder may import its own files and the
 * folders of the layers below it, never a folder of its own layer or of a layer above. docs/ARCHITECTURE.md draws
 * the picture; this list is the one place that decides it, so a new folder needs a line here.
 */
/** Bottom first. A folder name, or `cli` for src/cli.ts with src/commands/. */
const LAYERS = [
  ['core'],
  ['aliyun', 'store', 'redis'],
  ['plan', 'sim'],
  ['pipeline'],
  ['sync', 'gaps', 'report', 'ops'],
  ['app'],
  ['cli'],
];

const pathOf = (folder) => (folder === 'cli' ? '^src/(cli\\.ts$|commands/)' : `^src/${folder}/`);
const known = LAYERS.flat();

const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.flatMap((folder) => {
    const notBelow = LAYERS.slice(rank).flat().filter((f) => f !== folder);
    if (notBelow.length === 0) return [];
    return {
      name: `layer-${folder}-imports-only-below`,
      comment: `src/${folder === 'cli' ? '{cli.ts,commands}' : folder} (layer ${rank}) may import only its own files and ${LAYERS.slice(0, rank).flat().join(', ') || 'no other folder'}: see docs/ARCHITECTURE.md`,
      severity: 'error',
      from: { path: pathOf(folder) },
      to: { path: notBelow.map(pathOf) },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'src-folder-has-a-layer',
      comment: 'every file of src/ sits in a folder named in LAYERS of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: known.map(pathOf) },
      to: {},
    },
    {
      name: 'src-imports-no-tests',
      comment: 'test-only code lives in test/; the product never imports it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, between files or folders',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
