{
  "name": "@tradegraph/__name__",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "description": "__Pascal__ subgraph (scaffolded by `npm run new:subgraph`): say here what it owns.",
  "tradegraph": {
    "port": __port__,
    "subgraph": "__service__"
  },
  "scripts": {
    "start": "node src/main.ts",
    "typecheck": "tsc -p . --noEmit",
    "test": "vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json"
  },
  "dependencies": {
    "@tradegraph/contracts": "*",
    "@tradegraph/shared": "*"
  },
  "exports": {
    "./service": "./src/service.ts"
  },
  "devDependencies": {
    "@tradegraph/testing": "*",
    "vitest": "5.1.1"
  }
}
