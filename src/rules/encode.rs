//! Writing a rule's checked program into a snapshot (`PROG`, docs/snapshot-format.md):
//! the inverse of `decode`, in the node encoding of `snapshot::format::node`. Names
//! (fact paths, levels, issues) go to a table shared by every rule of the snapshot, in
//! first-use order, so the same policy always gives the same bytes.

use super::program::{Comp, Const, Node};
use super::schema::{fact_path, since_version};
use super::Program;
use crate::model::Issue;
use crate::snapshot::format::node as tag;

/// The name table being built and the programs written so far.
#[derive(Debug, Default)]
pub struct Encoder {
    /// The names, in first-use order.
    pub names: Vec<String>,
    /// The oldest snapshot format version whose readers know every tag written so far:
    /// 0 until a tag added after version 4 is written (a map, a time-zone accessor).
    pub needs_version: u16,
}

impl Encoder {
    /// The bytes of `program`'s nodes (its names added to the table).
    pub fn program(&mut self, program: &Program) -> Vec<u8> {
        let mut out = Vec::new();
        self.node(&program.root, &mut out);
        out
    }

    fn name(&mut self, name: &str, out: &mut Vec<u8>) {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        };
        varint(i as u64, out);
    }

    fn needs(&mut self, version: u16) {
        self.needs_version = self.needs_version.max(version);
    }

    fn node(&mut self, node: &Node, out: &mut Vec<u8>) {
        // `code` is an operator's index in its `ALL` list, its offset from the base tag.
        let code = |i: Option<usize>| u8::try_from(i.unwrap_or(0)).unwrap_or(0);
        match node {
            Node::Const(c) => {
                if has_map(c) {
                    self.needs(tag::TABLES_VERSION);
                }
                constant(c, out)
            }
            Node::Fact(f) => {
                self.needs(since_version(*f));
                out.push(tag::FACT);
                self.name(&fact_path(*f), out);
            }
            Node::Select(x, f) => {
                self.needs(since_version(*f));
                out.push(tag::SELECT);
                self.name(&fact_path(*f), out);
                self.node(x, out);
            }
            Node::Var(i) => {
                out.push(tag::VAR);
                varint(u64::from(*i), out);
            }
            Node::List(items) => {
                out.push(tag::LIST);
                varint(items.len() as u64, out);
                items.iter().for_each(|x| self.node(x, out));
            }
            Node::Map(entries) => {
                self.needs(tag::TABLES_VERSION);
                out.push(tag::MAP);
                varint(entries.len() as u64, out);
                for (k, v) in entries {
                    self.node(k, out);
                    self.node(v, out);
                }
            }
            Node::TimePart(part, t, zone) => {
                self.needs(tag::TABLES_VERSION);
                let tag = tag::TIME_PART
                    + code(super::program::TimePart::ALL.iter().position(|x| x == part));
                out.push(tag);
                out.push(u8::from(zone.is_some()));
                self.node(t, out);
                if let Some(z) = zone {
                    self.node(z, out);
                }
            }
            Node::Not(x) => self.nodes(tag::NOT, &[x], out),
            Node::Neg(x) => self.nodes(tag::NEG, &[x], out),
            Node::Size(x) => self.nodes(tag::SIZE, &[x], out),
            Node::And(a, b) => self.nodes(tag::AND, &[a, b], out),
            Node::Or(a, b) => self.nodes(tag::OR, &[a, b], out),
            Node::In(a, b) => self.nodes(tag::IN, &[a, b], out),
            Node::Index(a, b) => self.nodes(tag::INDEX, &[a, b], out),
            Node::Cond(c, a, b) => self.nodes(tag::COND, &[c, a, b], out),
            Node::Arith(op, a, b) => {
                let t = tag::ARITH + code(super::program::Arith::ALL.iter().position(|x| x == op));
                self.nodes(t, &[a, b], out);
            }
            Node::Cmp(op, a, b) => {
                let t = tag::CMP + code(super::program::Cmp::ALL.iter().position(|x| x == op));
                self.nodes(t, &[a, b], out);
            }
            Node::Str(op, a, b) => {
                let t = tag::STR_OP + code(super::program::StrOp::ALL.iter().position(|x| x == op));
                self.nodes(t, &[a, b], out);
            }
            Node::Convert(conv, x) => {
                let t =
                    tag::CONVERT + code(super::program::Conv::ALL.iter().position(|x| x == conv));
                self.nodes(t, &[x], out);
            }
            Node::LevelIs { level, equal } => {
                out.push(tag::LEVEL_IS);
                self.name(level.as_str(), out);
                out.push(u8::from(*equal));
            }
            Node::HasIssue(issue) => {
                // A version-5 reader refuses an issue name it does not know.
                if matches!(issue, Issue::OutOfStock | Issue::OverCustomerLimit) {
                    self.needs(crate::snapshot::format::LIMITS_VERSION);
                }
                out.push(tag::HAS_ISSUE);
                self.name(issue.as_str(), out);
            }
            Node::Matches(x, re, _cost) => {
                // The cost is not stored: the decoder prices the pattern again.
                out.push(tag::MATCHES);
                string(re.as_str(), out);
                self.node(x, out);
            }
            Node::Comp {
                kind,
                range,
                pred,
                map,
            } => {
                out.push(tag::COMP + code(Comp::ALL.iter().position(|x| x == kind)));
                let parts = if pred.is_some() { tag::COMP_PRED } else { 0 }
                    | if map.is_some() { tag::COMP_MAP } else { 0 };
                out.push(parts);
                self.node(range, out);
                for x in [pred, map].into_iter().flatten() {
                    self.node(x, out);
                }
            }
        }
    }

    fn nodes(&mut self, t: u8, operands: &[&Node], out: &mut Vec<u8>) {
        out.push(t);
        operands.iter().for_each(|x| self.node(x, out));
    }
}

fn constant(c: &Const, out: &mut Vec<u8>) {
    match c {
        Const::Bool(false) => out.push(tag::FALSE),
        Const::Bool(true) => out.push(tag::TRUE),
        Const::Int(i) => {
            out.push(tag::INT);
            signed(*i, out);
        }
        Const::Double(d) => {
            out.push(tag::DOUBLE);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Const::Str(s) => {
            out.push(tag::STR);
            string(s, out);
        }
        Const::Ts(t) => {
            out.push(tag::TIMESTAMP);
            signed(t.0, out);
        }
        Const::Dur(d) => {
            out.push(tag::DURATION);
            signed(d.0, out);
        }
        Const::List(items) => {
            out.push(tag::CONST_LIST);
            varint(items.len() as u64, out);
            items.iter().for_each(|c| constant(c, out));
        }
        Const::Map(entries) => {
            out.push(tag::CONST_MAP);
            varint(entries.len() as u64, out);
            for (k, v) in entries {
                constant(k, out);
                constant(v, out);
            }
        }
    }
}

/// An unsigned LEB128 varint, shortest form.
pub(crate) fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn signed(v: i64, out: &mut Vec<u8>) {
    varint(((v << 1) ^ (v >> 63)) as u64, out);
}

fn string(s: &str, out: &mut Vec<u8>) {
    varint(s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

/// Whether constant `c` is or holds a map (`CONST_MAP`, a tag of format version 5).
fn has_map(c: &Const) -> bool {
    match c {
        Const::Map(_) => true,
        Const::List(items) => items.iter().any(has_map),
        _ => false,
    }
}
