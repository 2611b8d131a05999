// The demo store's 3-line order that bench/node/check.mjs and ab.mjs time (one
// definition, so both benches measure the same order).
export const demoOrder = {
  order_id: "B-1",
  currency: "CNY",
  customer: { id: "C10001", email: "wangfang@example.cn", phone: "13800138001", device_id: "d-1" },
  shipping: { name: "王芳", phone: "13800138001", province: "浙江省", city: "杭州市", district: "西湖区", line1: "文三路123号" },
  items: [
    { sku: "TEA-001", quantity: 2, unit_price: 168.0 },
    { sku: "TEA-002", quantity: 1, unit_price: 98.0 },
    { sku: "WARE-002", quantity: 1 },
  ],
};
