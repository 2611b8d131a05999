// Broken variants of the demo store, one mistake each, of the kinds a merchant makes most:
// CSV quoting and columns, bad cells, unknown fields and functions, type errors, TOML
// errors, message placeholders. tests/www/diagzh.test.mjs compiles each in the page and
// checks that every diagnostic it gets reads in Chinese (www/diagtext.js); a case whose
// message changes in the compiler then fails there instead of silently showing English.
// Each case: the file changed and [from, to] replacements (from: a string or, with `append`,
// text added at the end).

const BLOCK = "email,buyer@shop.example,watch,REFUND_ABUSE,2026-05-01T00:00:00Z,2027-05-01T00:00:00Z,note,";

export const CASES = [
  // CSV quoting and columns
  { name: "unclosed quote", file: "blocklist.csv", append: `${BLOCK.replace("note", "\"a note")}\n${BLOCK.replace("buyer", "b2")}\n` },
  { name: "extra comma", file: "customers.csv", append: "C99999,2024-03-12T08:00:00Z,3,0,0,1,x\n" },
  { name: "bad scope", file: "blocklist.csv", append: `${BLOCK}extra\n` },
  { name: "unknown column", file: "blocklist.csv", replace: ["kind,value,level", "kind,value,lvl"] },
  { name: "repeated column", file: "customers.csv", replace: ["orders_90d,refunds_90d", "orders_90d,orders_90d"] },
  { name: "empty file", file: "catalog.csv", text: "" },
  // CSV cells
  { name: "bad level", file: "blocklist.csv", append: `${BLOCK.replace("watch", "blok")}\n` },
  { name: "bad kind", file: "blocklist.csv", append: `${BLOCK.replace("email", "mail")}\n` },
  { name: "bad time", file: "blocklist.csv", append: `${BLOCK.replace("2026-05-01T00:00:00Z", "2026-05-01")}\n` },
  { name: "empty reason", file: "blocklist.csv", append: `${BLOCK.replace("REFUND_ABUSE", "")}\n` },
  { name: "empty value", file: "blocklist.csv", append: `${BLOCK.replace("buyer@shop.example", "")}\n` },
  { name: "expires before added", file: "blocklist.csv", append: `${BLOCK.replace("2027-05-01", "2025-05-01")}\n` },
  { name: "same entry twice", file: "blocklist.csv", append: `${BLOCK}\n${BLOCK}\n` },
  { name: "not an email", file: "blocklist.csv", append: `${BLOCK.replace("buyer@shop.example", "buyer.shop.example")}\n` },
  { name: "short phone", file: "blocklist.csv", append: `${BLOCK.replace("email,buyer@shop.example", "phone,12345")}\n` },
  { name: "bad count", file: "customers.csv", append: "C99999,2024-03-12T08:00:00Z,three,0,0,1\n" },
  { name: "customer twice", file: "customers.csv", append: "C10001,2024-03-12T08:00:00Z,3,0,0,1\n" },
  { name: "empty customer id", file: "customers.csv", append: ",2024-03-12T08:00:00Z,3,0,0,1\n" },
  { name: "sku twice", file: "catalog.csv", append: "TEA-001,x,茶叶,1.00,,,,\n" },
  { name: "empty sku", file: "catalog.csv", append: ",x,茶叶,1.00,,,,\n" },
  { name: "bad price", file: "catalog.csv", append: "NEW-1,x,茶叶,abc,,,,\n" },
  // rules
  { name: "unknown field", file: "policy.toml", replace: ["item.max_per_order > 0", "item.max_per_ordr > 0"] },
  { name: "unknown identifier", file: "policy.toml", replace: ["item.max_per_order > 0", "itme.max_per_order > 0"] },
  { name: "unknown function", file: "policy.toml", replace: ["item.max_per_order > 0", "len(order.channel) > 0"] },
  { name: "type mismatch", file: "policy.toml", replace: ["item.max_per_order > 0", "item.max_per_order > \"0\""] },
  { name: "not boolean", file: "policy.toml", replace: ["'\"out_of_stock\" in order.issues'", "'order.total'"] },
  { name: "syntax", file: "policy.toml", replace: ["item.max_per_order > 0 &&", "item.max_per_order > &&"] },
  { name: "wrong arity", file: "policy.toml", replace: ["'\"out_of_stock\" in order.issues'", "'size(order.issues, 1) > 0'"] },
  { name: "unknown issue", file: "policy.toml", replace: ["\"out_of_stock\" in order.issues", "\"out_of_stok\" in order.issues"] },
  // the policy file
  { name: "unknown key", file: "policy.toml", replace: ["reason  = \"OUT_OF_STOCK\"", "reasn   = \"OUT_OF_STOCK\""] },
  { name: "unknown action", file: "policy.toml", replace: ["action  = \"deny\"\nreason  = \"OUT_OF_STOCK\"", "action  = \"dney\"\nreason  = \"OUT_OF_STOCK\""] },
  { name: "unclosed string", file: "policy.toml", replace: ["reason  = \"OUT_OF_STOCK\"", "reason  = \"OUT_OF_STOCK"] },
  { name: "bad currency", file: "policy.toml", replace: ["currency             = \"CNY\"", "currency             = \"RMB1\""] },
  { name: "rule id", file: "policy.toml", replace: ["id      = \"out-of-stock\"", "id      = \"Out_Of_Stock\""] },
  { name: "rule id twice", file: "policy.toml", replace: ["id      = \"out-of-stock\"", "id      = \"order-mismatch\""] },
  { name: "unknown message", file: "policy.toml", replace: ["message = \"out_of_stock\"", "message = \"out_of_stok\""] },
  { name: "unknown placeholder", file: "policy.toml", replace: ["至 {appeal}", "至 {apeal}"] },
];
