# Independent cross-check of tests/conformance/cases.json: a small Python model of
# docs/semantics.md §6–§9 with the demo-store rules transcribed by hand as lambdas. A second
# opinion for people editing the corpus, not the reference (docs/semantics.md is).
# Run: python3 tests/conformance/crosscheck.py  (Python >= 3.11, stdlib only)
import csv, json, re, tomllib, sys
from datetime import datetime, timedelta
from decimal import Decimal
import os
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
D = f"{ROOT}/examples/demo-store"
pol = tomllib.load(open(f"{D}/policy.toml", "rb"))
CC = pol["default_country_code"]
def ts(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
def fold(s):
    out = []
    for ch in s:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E: ch = chr(o - 0xFEE0)
        elif o == 0x3000: ch = " "
        out.append(ch)
    return "".join(out)
def norm(kind, v):
    if kind == "email": return v.strip().lower()
    if kind == "phone":
        d = re.sub(r"\D", "", v)
        if d.startswith("00"): d = d[2:]
        if len(d) == 11 and d.startswith("1"): d = CC + d
        return d
    if kind == "address":
        s = fold(v).lower()
        return "".join(c for c in s if not c.isspace() and not (c.isascii() and not c.isalnum()))
    return v.strip()
BL = [r for r in csv.DictReader(open(f"{D}/blocklist.csv", encoding="utf-8"))]
for r in BL: r["n"] = norm(r["kind"], r["value"])
CAT = {r["sku"]: r for r in csv.DictReader(open(f"{D}/catalog.csv", encoding="utf-8"))}
CUS = {r["customer_id"]: r for r in csv.DictReader(open(f"{D}/customers.csv", encoding="utf-8"))}
LV = {"none": 0, "watch": 1, "step_up": 2, "block": 3}
SEV = {"allow": 0, "warn": 1, "review": 2, "step_up": 3, "deny": 4}

# Bound identity (docs/semantics.md "Bound identity"): present identity fields replace the
# order's; the order's own account_created_at is never read under binding.
BIND = [("customer_id", "id"), ("email", "email"), ("phone", "phone"), ("ip", "ip")]
def bind(o, identity):
    if identity is None: return o, [], None
    o = json.loads(json.dumps(o)); c = o.setdefault("customer", {})
    for k, f in BIND:
        if k in identity: c[f] = identity[k]
    if "order_id" in identity: o["order_id"] = identity["order_id"]
    c.pop("account_created_at", None)
    if "account_created_at" in identity: c["account_created_at"] = identity["account_created_at"]
    return o, [k for k, _ in BIND if k in identity], identity.get("order_id")

def facts(o, now, memory, identity=None):
    o, bound, bound_oid = bind(o, identity)
    c = o.get("customer", {}); s = o.get("shipping")
    ids = []
    for k, f in [("customer_id", "id"), ("email", "email"), ("phone", "phone"), ("device_id", "device_id"), ("payment_fingerprint", "payment_fingerprint"), ("ip", "ip")]:
        if c.get(f): ids.append((k, norm(k, c[f])))
    if s and s.get("phone"): ids.append(("phone", norm("phone", s["phone"])))
    if s: ids.append(("address", norm("address", "".join(s.get(k, "") for k in ["province", "city", "district", "line1"]))))
    level = "none"; listed = False; reasons = []
    for r in BL:
        if r["expires_at"] and ts(r["expires_at"]) <= now: continue
        if (r["kind"], r["n"]) in ids and r["n"]:
            listed = True
            if r["reason"] not in reasons: reasons.append(r["reason"])
            if LV[r["level"]] > LV[level]: level = r["level"]
    rec = CUS.get(c.get("id"))
    # A known customer's age is the snapshot's or unknown, never the order's.
    created = rec["account_created_at"] if rec else c.get("account_created_at")
    age = (now - ts(created)).days if created else -1
    st = {k: int(rec[k]) if rec else 0 for k in ["orders_90d", "refunds_90d", "chargebacks_365d", "addresses_90d"]}
    cu = dict(level=level, listed=listed, reasons=reasons, known=rec is not None, account_age_days=age, bound=bound, **st,
              refund_rate=st["refunds_90d"] / max(st["orders_90d"], 1))
    items = []; total = 0; issues = []
    for it in o["items"]:
        cat = CAT.get(it["sku"])
        price = Decimal(cat["price"]) if cat else Decimal(str(it["unit_price"]))
        tags = cat["tags"].split(";") if cat and cat["tags"] else []
        hv = "high_value" in tags or price >= Decimal(str(pol["high_value_threshold"]))
        lim = "limited_edition" in tags
        items.append(dict(sku=it["sku"], price=price, quantity=it["quantity"], high_value=hv, limited=lim,
                          category=cat["category"] if cat else "", tags=tags,
                          restricted=hv or lim, known=cat is not None,
                          max_per_order=int(cat["max_per_order"]) if cat and cat["max_per_order"] else 0))
        total += price * it["quantity"]
    if not s or not s.get("name", "").strip(): issues.append("missing_recipient")
    ph = norm("phone", (s or {}).get("phone", ""))
    if not ph or not (8 <= len(ph) <= 15) or (ph.startswith("86") and not (len(ph) == 13 and ph[2] == "1")): issues.append("invalid_phone")
    if not s or any(not s.get(k, "").strip() for k in ["province", "city", "line1"]): issues.append("incomplete_address")
    if any(not i["known"] for i in items): issues.append("unknown_sku")
    for it in o["items"]:
        cat = CAT.get(it["sku"])
        if cat and abs(Decimal(str(it["unit_price"])) - Decimal(cat["price"])) > Decimal("0.005"):
            issues.append("price_mismatch"); break
    if o.get("currency") and o["currency"].upper() != pol["currency"]: issues.append("currency_mismatch")
    qty = {}
    for i in items: qty[i["sku"]] = qty.get(i["sku"], 0) + i["quantity"]
    if any(i["max_per_order"] > 0 and qty[i["sku"]] > i["max_per_order"] for i in items): issues.append("over_max_per_order")
    who = c.get("id") or norm("email", c.get("email", "")) or norm("phone", c.get("phone", ""))
    basket = tuple(sorted(qty.items()))
    for (w, b, oid, t) in memory:
        # Only a bound order id exempts a re-check.
        if w == who and b == basket and (bound_oid is None or oid != bound_oid) and timedelta(0) <= now - t <= timedelta(minutes=10):
            issues.append("duplicate_recent"); break
    memory.append((who, basket, bound_oid, now))
    od = dict(total=total, issues=issues, item_count=sum(i["quantity"] for i in items))
    return cu, od, items

R = [
 ("invalid-recipient", "order", lambda c, o, I, i: any(x in o["issues"] for x in ["missing_recipient", "incomplete_address", "invalid_phone"])),
 ("order-mismatch", "order", lambda c, o, I, i: any(x in o["issues"] for x in ["unknown_sku", "price_mismatch", "currency_mismatch"])),
 ("over-max-per-order", "item", lambda c, o, I, i: i["max_per_order"] > 0 and sum(x["quantity"] for x in I if x["sku"] == i["sku"]) > i["max_per_order"]),
 ("duplicate-submission", "order", lambda c, o, I, i: "duplicate_recent" in o["issues"]),
 ("block-restricted-item", "item", lambda c, o, I, i: c["level"] == "block" and i["restricted"]),
 ("block-verify-identity", "order", lambda c, o, I, i: c["level"] == "block"),
 ("step-up-listed", "order", lambda c, o, I, i: c["level"] == "step_up"),
 ("watch-high-value", "order", lambda c, o, I, i: c["level"] == "watch" and (o["total"] >= 2000 or any(x["high_value"] for x in I))),
 ("chargeback-history", "order", lambda c, o, I, i: c["chargebacks_365d"] > 0),
 ("new-account-high-value", "order", lambda c, o, I, i: c["account_age_days"] < 7 and o["total"] >= 2000),
 ("refund-abuse", "order", lambda c, o, I, i: c["orders_90d"] >= 4 and c["refund_rate"] >= 0.5),
 ("bulk-then-refund", "order", lambda c, o, I, i: o["item_count"] >= 10 and c["refunds_90d"] >= 3),
 ("address-hopping", "order", lambda c, o, I, i: c["addresses_90d"] >= 5),
 ("damage-claims-notice", "item", lambda c, o, I, i: c["level"] == "watch" and "REFUND_ABUSE" in c["reasons"] and i["category"] == "茶具"),
 ("handmade-unboxing-notice", "item", lambda c, o, I, i: "handmade" in i["tags"]),
 ("trusted-customer", "order", lambda c, o, I, i: "customer_id" in c["bound"] and c["known"] and not c["listed"] and c["account_age_days"] >= 180 and c["orders_90d"] >= 10 and c["refunds_90d"] == 0 and c["chargebacks_365d"] == 0),
]
PR = {r["id"]: r for r in pol["rule"]}
assert [r[0] for r in R] == [r["id"] for r in pol["rule"]]

def check(o, now, locale, memory, identity=None):
    c, od, items = facts(o, now, memory, identity)
    verified = set(o.get("verified", []))
    fired = []; lines = ["allow"] * len(items)
    for rid, scope, f in R:
        p = PR[rid]
        if p["action"] == "step_up":
            methods = set(p.get("verify", []))
            # §9.2 step 1: any-of by default, every method under verify_mode = "all".
            if (methods <= verified) if p.get("verify_mode") == "all" else (verified & methods): continue
        if scope == "order":
            if f(c, od, items, None): fired.append((p, []))
        else:
            ls = [k for k, it in enumerate(items) if f(c, od, items, it)]
            if ls:
                fired.append((p, ls))
                for k in ls:
                    if SEV[p["action"]] > SEV[lines[k]]: lines[k] = p["action"]
    acts = [p["action"] for p, _ in fired]
    dec = max(acts, key=lambda a: SEV[a]) if acts else "allow"
    if "allow" in acts and dec in ("warn", "review", "step_up"): dec = "allow"
    verify = []; required = []
    if dec == "step_up":
        for p, _ in fired:
            if p["action"] == "step_up":
                for m in p.get("verify", []):
                    if m not in verify: verify.append(m)
                # §9.4: an any rule is one group; an all rule one group per method not done.
                if p.get("verify_mode") == "all":
                    groups = [[m] for m in p.get("verify", []) if m not in verified]
                else:
                    groups = [list(p.get("verify", []))]
                for g in groups:
                    if g not in required: required.append(g)
    msg = None
    for p, _ in fired:
        if p["action"] == dec and p.get("message"):
            loc = locale if locale in pol["messages"] else pol["default_locale"]
            msg = {"locale": loc, "key": p["message"], "text": pol["messages"][loc][p["message"]]}
            break
    return {"decision": dec, "verify": verify, "verify_required": required,
            "reasons": [{"rule": p["id"], "code": p["reason"], "action": p["action"], "lines": ls} for p, ls in fired],
            "lines": [{"sku": it["sku"], "decision": d} for it, d in zip(items, lines)],
            "message": msg, "warnings": []}, (c, od)

cases = json.load(open(f"{ROOT}/tests/conformance/cases.json", encoding="utf-8"))
bad = 0
for cs in cases:
    mem = []
    # An order is a sample's path or the order itself.
    def order(o): return o if isinstance(o, dict) else json.load(open(f"{ROOT}/{o}", encoding="utf-8"))
    for b in cs.get("before", []):
        check(order(b["order"]), ts(b["now"]), cs.get("locale"), mem, b.get("identity"))
    got, (c, od) = check(order(cs["order"]), ts(cs["now"]), cs.get("locale"), mem, cs.get("identity"))
    diff = {k: (v, got[k]) for k, v in cs["expect"].items() if got[k] != v}
    print(("OK  " if not diff else "DIFF"), cs["name"], got["decision"], c["level"], c["account_age_days"], float(od["total"]), od["issues"])
    if diff: bad += 1; print("   ", diff)
print("mismatches:", bad)
sys.exit(1 if bad else 0)
