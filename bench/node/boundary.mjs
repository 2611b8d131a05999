// Usage: node bench/node/boundary.mjs <pkg built normally> <pkg built with CG_WASM_FEATURES=swb-boundary>
// Boundary comparison: same opt-level, JSON-text build (pkg/) vs serde-wasm-bindgen build.
const N = 100000;
const order = {order_id:"B-1",currency:"CNY",customer:{id:"C10001",email:"wangfang@example.cn",phone:"13800138001",device_id:"d-1"},shipping:{name:"王芳",phone:"13800138001",province:"浙江省",city:"杭州市",district:"西湖区",line1:"文三路123号"},items:[{sku:"TEA-001",quantity:2,unit_price:168.0},{sku:"TEA-002",quantity:1,unit_price:98.0},{sku:"WARE-002",quantity:1}]};
const opts = {now: Date.parse("2026-11-25T10:00:00Z")};
function p(fn){for(let i=0;i<20000;i++)fn();const t=new Float64Array(N);for(let i=0;i<N;i++){const s=process.hrtime.bigint();fn();t[i]=Number(process.hrtime.bigint()-s)}t.sort();return `p50 ${(t[N/2]/1000).toFixed(2)} µs p99 ${(t[Math.floor(N*0.99)]/1000).toFixed(2)} µs`}
for (const [label, dir] of [["JSON text (default)", process.argv[2]], ["serde-wasm-bindgen", process.argv[3]]]) {
  const { Engine } = await import(dir + "/node/index.js");
  const e = new Engine();
  console.log(label.padEnd(22), "check(order):", p(() => e.check(order, opts)), "| info():", p(() => e.info()));
}
