// Lint for `npm run lint` (part of `npm test`), with zero warnings allowed.
// Besides the usual rules, it holds the layers of ARCHITECTURE.md: a module
// never imports from a layer above its own, and no imports go round in a
// cycle.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import importX from "eslint-plugin-import-x";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// From the top down; each layer may import the ones below it, never above.
// `components` sits beside the routes' own level: it may use the live
// browser hook and the domain's client-safe types, not the server's parts.
const layers = ["server", "routes", "components", "api", "live", "http", "models", "infra"];
const above = (layer) => layers.slice(0, layers.indexOf(layer)).map((l) => `./app/${l}`);
const zones = [
  ...layers.slice(1).map((layer) => ({
    target: `./app/${layer}`,
    from: above(layer),
    message: `app/${layer} is below this: see ARCHITECTURE.md, "Layers".`,
  })),
  {
    target: "./app/components",
    from: ["./app/api", "./app/http", "./app/infra"],
    message: "components are UI: they use the live hook and the domain's types, not the server's parts.",
  },
  { target: "./app/infra", from: ["./db"], message: "infra stands below the schema's users." },
];

export default tseslint.config(
  { ignores: ["build/", "test-results/", "playwright-report/", "node_modules/", "public/", "db/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [
        importX.createNodeResolver(),
        (await import("eslint-import-resolver-typescript")).createTypeScriptImportResolver(),
      ],
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "import-x/no-restricted-paths": ["error", { zones }],
      "import-x/no-cycle": "error",
      "import-x/no-duplicates": "error",
      "import-x/first": "error",
      "import-x/order": [
        "error",
        {
          groups: ["builtin", "external", "internal", ["parent", "sibling", "index"]],
          pathGroups: [{ pattern: "~/**", group: "internal" }],
          alphabetize: { order: "asc", caseInsensitive: true },
        },
      ],
    },
  },
  {
    files: ["app/**/*.tsx"],
    ...react.configs.flat.recommended,
    ...react.configs.flat["jsx-runtime"],
    plugins: { react, "react-hooks": reactHooks, "jsx-a11y": jsxA11y },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.flat.recommended.rules,
      ...react.configs.flat["jsx-runtime"].rules,
      ...reactHooks.configs.recommended.rules,
      ...jsxA11y.flatConfigs.recommended.rules,
      "react/prop-types": "off",
    },
  },
  prettier,
);
