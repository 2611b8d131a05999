// Fastly Compute entry (the `fastly` condition, set by @fastly/js-compute's bundler), for
// both `checkout-guard` and `checkout-guard/compiler`. Fastly's JavaScript runtime has no
// WebAssembly (no `WebAssembly` global), so the engine cannot run inside a JS Compute
// app: this entry stops the build with that reason instead of a package that fails on
// its first check. js-compute evaluates the top level while building, so the message is
// a build error (docs/RUNTIMES.md, "Fastly Compute").
throw new Error(
  "checkout-guard: Fastly Compute's JavaScript runtime has no WebAssembly, so the engine cannot run in a JS Compute app; " +
    "see docs/RUNTIMES.md in the checkout-guard repository (Fastly Compute) for the ways that work",
);
