//! A decoder for exactly one kind of Python pickle: a dict from layer names to
//! lists of numpy arrays, as `pickle.dump({name: [kernel, bias], ...})` writes
//! it (protocols 2 to 5; Python 2's string opcodes for the raw data too).
//! That is how the `ndf` package ships SqueezeNet's weights.
//!
//! A pickle is a program for a small stack machine; unpickling runs it. This
//! module runs only the opcodes such a file uses and treats only three Python
//! callables: numpy's `_reconstruct` (an empty array that a later `BUILD`
//! fills in), `numpy.dtype` and, for `BUILD`'s state, the raw bytes. Nothing
//! is ever imported or called, so a hostile file can do no more than fail
//! with a [`PickleError`] that says where and why. Anything else (another
//! callable, a dtype other than float32, nesting deeper than
//! [`MAX_NESTING`]) is refused the same way.

use std::collections::HashMap;
use std::rc::Rc;

/// How deep lists, tuples and dicts may nest: the weights need 4 (dict, list,
/// array state tuple, shape tuple). The limit keeps a hostile file from
/// building a structure so deep that dropping it overflows the stack.
pub const MAX_NESTING: usize = 16;

/// How much a pickle may copy through its memo (`BINGET` and friends), in
/// bytes of the copies' contents: this many, plus [`MEMO_COPY_PER_BYTE`] per
/// byte of the file. A memo entry is copied each time it is fetched, so a
/// few bytes that fetch a list of lists of fetched lists would otherwise ask
/// for exponentially much memory (a 2 KB file asked for terabytes). A real
/// weight pickle fetches only globals, dtypes and one-byte strings.
pub const MEMO_COPY_ALLOWANCE: usize = 1 << 20;
/// See [`MEMO_COPY_ALLOWANCE`].
pub const MEMO_COPY_PER_BYTE: usize = 4;

/// Why a pickle could not be read as named float32 arrays.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    #[error("{file}: the pickle ends early, at byte {at}")]
    Truncated { file: String, at: usize },
    #[error("{file}: byte {at}: opcode 0x{opcode:02x} is not one this reader handles (it reads numpy weight pickles only)")]
    UnknownOpcode { file: String, at: usize, opcode: u8 },
    #[error("{file}: byte {at}: {reason}")]
    Malformed {
        file: String,
        at: usize,
        reason: String,
    },
    #[error("{file}: not a dict of numpy arrays: {reason}")]
    NotWeights { file: String, reason: String },
}

/// A float32 numpy array, in C (row-major) order.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// The layers of a weight pickle, in the file's order, each with its arrays
/// in the list's order (for `ndf`: kernel, then bias).
pub type NamedArrays = Vec<(String, Vec<NpyArray>)>;

/// Reads a weight pickle; `file` names it in errors.
pub fn read_weights(file: &str, bytes: &[u8]) -> Result<NamedArrays, PickleError> {
    let value = Machine::new(file, bytes).run()?;
    let not_weights = |reason: String| PickleError::NotWeights {
        file: file.into(),
        reason,
    };
    let Value::Dict(entries, _) = value else {
        return Err(not_weights(format!("the top object is {}", value.kind())));
    };
    entries
        .into_iter()
        .map(|(key, value)| {
            let Value::Str(name) = key else {
                return Err(not_weights(format!(
                    "a key is {}, not a string",
                    key.kind()
                )));
            };
            let items = match value {
                Value::List(items, _) | Value::Tuple(items, _) => items,
                Value::Array(array) => vec![Value::Array(array)],
                other => {
                    return Err(not_weights(format!(
                        "`{name}` holds {}, not a list of arrays",
                        other.kind()
                    )))
                }
            };
            let arrays = items
                .into_iter()
                .map(|item| match item {
                    Value::Array(array) => Ok(Rc::unwrap_or_clone(array)),
                    other => Err(not_weights(format!(
                        "`{name}` holds {}, not an array",
                        other.kind()
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((name, arrays))
        })
        .collect()
}

/// What the stack machine holds. Containers carry their nesting depth.
#[derive(Clone, Debug)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    Bytes(Rc<[u8]>),
    Tuple(Vec<Value>, usize),
    List(Vec<Value>, usize),
    Dict(Vec<(Value, Value)>, usize),
    Mark,
    /// A `module.name` that the file refers to (`GLOBAL`).
    Global(String, String),
    /// `numpy.core.multiarray._reconstruct(...)`: an array waiting for its
    /// state.
    EmptyArray,
    /// `numpy.dtype(descr, ...)`, with the byte order its state gives.
    Dtype {
        descr: String,
        byte_order: char,
    },
    Array(Rc<NpyArray>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "a bool",
            Value::Int(_) => "an int",
            Value::Str(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::Tuple(..) => "a tuple",
            Value::List(..) => "a list",
            Value::Dict(..) => "a dict",
            Value::Mark => "a mark",
            Value::Global(..) => "a global",
            Value::EmptyArray => "an unfinished array",
            Value::Dtype { .. } => "a dtype",
            Value::Array(_) => "an array",
        }
    }

    /// About how many bytes a copy of this value takes: its strings and a
    /// little for every value, and with `shared` also the bytes and arrays
    /// it shares (an `Rc` clone, but each array that reaches the result is
    /// copied out, and bytes can be built into any number of arrays).
    fn size(&self, shared: bool) -> usize {
        const NODE: usize = 16;
        match self {
            Value::Str(s) => NODE + s.len(),
            Value::Bytes(b) if shared => NODE + b.len(),
            Value::Array(array) if shared => NODE + 4 * array.data.len() + 8 * array.shape.len(),
            Value::Global(module, name) => NODE + module.len() + name.len(),
            Value::Dtype { descr, .. } => NODE + descr.len(),
            Value::Tuple(items, _) | Value::List(items, _) => items
                .iter()
                .fold(NODE, |total, item| total.saturating_add(item.size(shared))),
            Value::Dict(pairs, _) => pairs.iter().fold(NODE, |total, (k, v)| {
                total
                    .saturating_add(k.size(shared))
                    .saturating_add(v.size(shared))
            }),
            _ => NODE,
        }
    }

    fn depth(&self) -> usize {
        match self {
            Value::Tuple(_, d) | Value::List(_, d) | Value::Dict(_, d) => *d,
            _ => 0,
        }
    }
}

fn depth_of<'a>(items: impl IntoIterator<Item = &'a Value>) -> usize {
    1 + items.into_iter().map(Value::depth).max().unwrap_or(0)
}

struct Machine<'a> {
    file: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// Where the opcode being run starts, for messages.
    op_at: usize,
    stack: Vec<Value>,
    memo: HashMap<u32, Value>,
    /// Bytes copied out of the memo so far, and the most allowed.
    memo_copied: usize,
    memo_copy_limit: usize,
}

impl<'a> Machine<'a> {
    fn new(file: &'a str, bytes: &'a [u8]) -> Self {
        Machine {
            file,
            bytes,
            at: 0,
            op_at: 0,
            stack: Vec::new(),
            memo: HashMap::new(),
            memo_copied: 0,
            memo_copy_limit: bytes
                .len()
                .saturating_mul(MEMO_COPY_PER_BYTE)
                .saturating_add(MEMO_COPY_ALLOWANCE),
        }
    }

    fn malformed(&self, reason: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            file: self.file.into(),
            at: self.op_at,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(PickleError::Truncated {
                file: self.file.into(),
                at: self.bytes.len(),
            })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }

    fn le<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn length(&mut self, width: usize) -> Result<usize, PickleError> {
        let n = match width {
            1 => u64::from(self.u8()?),
            4 => u64::from(u32::from_le_bytes(self.le()?)),
            _ => u64::from_le_bytes(self.le()?),
        };
        usize::try_from(n).map_err(|_| self.malformed(format!("length {n}")))
    }

    fn line(&mut self) -> Result<&'a str, PickleError> {
        let rest = &self.bytes[self.at..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleError::Truncated {
                file: self.file.into(),
                at: self.bytes.len(),
            })?;
        self.at += end + 1;
        std::str::from_utf8(&rest[..end]).map_err(|_| self.malformed("a name that is not UTF-8"))
    }

    fn text(&mut self, width: usize) -> Result<String, PickleError> {
        let n = self.length(width)?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.malformed("a string that is not UTF-8"))
    }

    fn pop(&mut self) -> Result<Value, PickleError> {
        match self.stack.pop() {
            Some(Value::Mark) | None => Err(self.malformed("the stack is empty")),
            Some(value) => Ok(value),
        }
    }

    fn pop_to_mark(&mut self) -> Result<Vec<Value>, PickleError> {
        let mark = self
            .stack
            .iter()
            .rposition(|v| matches!(v, Value::Mark))
            .ok_or_else(|| self.malformed("no mark on the stack"))?;
        let items = self.stack.split_off(mark + 1);
        self.stack.pop();
        Ok(items)
    }

    fn push(&mut self, value: Value) -> Result<(), PickleError> {
        if value.depth() > MAX_NESTING {
            return Err(self.malformed(format!("nested deeper than {MAX_NESTING}")));
        }
        self.stack.push(value);
        Ok(())
    }

    fn tuple(&mut self, items: Vec<Value>) -> Result<(), PickleError> {
        let depth = depth_of(&items);
        self.push(Value::Tuple(items, depth))
    }

    fn memo_put(&mut self, key: u32) -> Result<(), PickleError> {
        let top = self
            .stack
            .last()
            .filter(|v| !matches!(v, Value::Mark))
            .ok_or_else(|| self.malformed("nothing to memoise"))?
            .clone();
        // Storing copies too: a large string stored under many keys.
        self.count_memo_copy(top.size(false))?;
        self.memo.insert(key, top);
        Ok(())
    }

    /// Adds `size` bytes to what the memo has copied; an error past the limit.
    fn count_memo_copy(&mut self, size: usize) -> Result<(), PickleError> {
        self.memo_copied = self.memo_copied.saturating_add(size);
        if self.memo_copied > self.memo_copy_limit {
            return Err(self.malformed(format!(
                "its memo copies more than {} bytes ({MEMO_COPY_PER_BYTE} per byte of the file \
                 and {MEMO_COPY_ALLOWANCE} more); a weight pickle copies next to nothing",
                self.memo_copy_limit
            )));
        }
        Ok(())
    }

    fn memo_get(&mut self, key: u32) -> Result<(), PickleError> {
        let size = self
            .memo
            .get(&key)
            .map(|value| value.size(true))
            .ok_or_else(|| self.malformed(format!("memo entry {key} was never stored")))?;
        self.count_memo_copy(size)?;
        let value = self
            .memo
            .get(&key)
            .cloned()
            .ok_or_else(|| self.malformed(format!("memo entry {key} was never stored")))?;
        self.push(value)
    }

    /// Adds `items` to the list or dict under them on the stack.
    fn extend_top(&mut self, items: Vec<Value>, pairs: bool) -> Result<(), PickleError> {
        let added = depth_of(&items);
        let target = self
            .stack
            .last_mut()
            .ok_or_else(|| PickleError::Malformed {
                file: self.file.into(),
                at: self.op_at,
                reason: "nothing to add to".into(),
            })?;
        let depth = match (target, pairs) {
            (Value::List(list, depth), false) => {
                list.extend(items);
                *depth = (*depth).max(added);
                *depth
            }
            (Value::Dict(dict, depth), true) if items.len() % 2 == 0 => {
                let mut items = items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    dict.push((k, v));
                }
                *depth = (*depth).max(added);
                *depth
            }
            (other, _) => {
                let kind = other.kind();
                return Err(self.malformed(format!("cannot add items to {kind}")));
            }
        };
        if depth > MAX_NESTING {
            return Err(self.malformed(format!("nested deeper than {MAX_NESTING}")));
        }
        Ok(())
    }

    fn reduce(&mut self) -> Result<(), PickleError> {
        let args = self.pop()?;
        let callable = self.pop()?;
        let Value::Global(module, name) = &callable else {
            return Err(self.malformed(format!("calls {}, not a function", callable.kind())));
        };
        let is_numpy = matches!(
            module.as_str(),
            "numpy.core.multiarray" | "numpy._core.multiarray"
        );
        let value = match (module.as_str(), name.as_str()) {
            (_, "_reconstruct") if is_numpy => Value::EmptyArray,
            ("numpy", "dtype") => match args {
                Value::Tuple(items, _) if !items.is_empty() => match &items[0] {
                    Value::Str(descr) => Value::Dtype {
                        descr: descr.clone(),
                        byte_order: '=',
                    },
                    other => {
                        return Err(self.malformed(format!("a dtype of {}", other.kind())));
                    }
                },
                _ => return Err(self.malformed("numpy.dtype without arguments")),
            },
            _ => {
                return Err(self.malformed(format!(
                    "calls {module}.{name}; a weight pickle calls only numpy's array constructors"
                )))
            }
        };
        self.push(value)
    }

    fn build(&mut self) -> Result<(), PickleError> {
        let state = self.pop()?;
        let target = self.pop()?;
        let value = match target {
            Value::Dtype { descr, .. } => {
                // numpy's dtype state: (version, byte order, ...).
                let byte_order = match &state {
                    Value::Tuple(items, _) => match items.get(1) {
                        Some(Value::Str(order)) => order.chars().next().unwrap_or('='),
                        _ => '=',
                    },
                    _ => '=',
                };
                Value::Dtype { descr, byte_order }
            }
            Value::EmptyArray => Value::Array(Rc::new(self.array(state)?)),
            other => {
                return Err(self.malformed(format!("BUILD on {}", other.kind())));
            }
        };
        self.push(value)
    }

    /// numpy's array state: `(version, shape, dtype, is_fortran, raw bytes)`.
    fn array(&self, state: Value) -> Result<NpyArray, PickleError> {
        let Value::Tuple(items, _) = state else {
            return Err(self.malformed(format!("an array state of {}", state.kind())));
        };
        let [_, Value::Tuple(shape, _), Value::Dtype { descr, byte_order }, fortran, Value::Bytes(raw)] =
            &items[..]
        else {
            return Err(self
                .malformed("an array state that is not (version, shape, dtype, fortran, bytes)"));
        };
        let shape = shape
            .iter()
            .map(|d| match d {
                Value::Int(n) => usize::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| self.malformed("a shape that is not a tuple of sizes"))?;
        let float32 = matches!(descr.as_str(), "f4" | "<f4" | "float32");
        // '=' (native) and '|' (not applicable): numpy wrote them on the
        // little-endian machines such files come from.
        if !float32 || !matches!(byte_order, '<' | '=' | '|') {
            return Err(self.malformed(format!(
                "an array of dtype {byte_order}{descr}; only little-endian float32 is read"
            )));
        }
        let fortran = match fortran {
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            other => return Err(self.malformed(format!("a Fortran flag of {}", other.kind()))),
        };
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n.checked_mul(4) == Some(raw.len()))
            .ok_or_else(|| {
                self.malformed(format!(
                    "an array of shape {shape:?} with {} bytes of data",
                    raw.len()
                ))
            })?;
        let mut data: Vec<f32> = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if fortran && shape.len() > 1 {
            data = fortran_to_c(&data, &shape, count);
        }
        Ok(NpyArray { shape, data })
    }

    fn run(mut self) -> Result<Value, PickleError> {
        loop {
            self.op_at = self.at;
            let opcode = self.u8()?;
            match opcode {
                0x80 => {
                    let protocol = self.u8()?;
                    if !(2..=5).contains(&protocol) {
                        return Err(self.malformed(format!("pickle protocol {protocol}")));
                    }
                }
                0x95 => {
                    self.take(8)?; // FRAME: a length hint.
                }
                b'.' => {
                    let top = self.pop()?;
                    if !self.stack.is_empty() {
                        return Err(self.malformed("objects left on the stack at STOP"));
                    }
                    return Ok(top);
                }
                b'(' => self.stack.push(Value::Mark),
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'K' => {
                    let n = self.u8()?;
                    self.push(Value::Int(i64::from(n)))?
                }
                b'M' => {
                    let n = u16::from_le_bytes(self.le()?);
                    self.push(Value::Int(i64::from(n)))?
                }
                b'J' => {
                    let n = i32::from_le_bytes(self.le()?);
                    self.push(Value::Int(i64::from(n)))?
                }
                0x8a => {
                    // LONG1: a little-endian two's-complement integer of n bytes.
                    let n = self.length(1)?;
                    let digits = self.take(n)?;
                    if n > 8 {
                        return Err(self.malformed(format!("a {n}-byte integer")));
                    }
                    let mut buf = if digits.last().is_some_and(|&b| b & 0x80 != 0) {
                        [0xff; 8]
                    } else {
                        [0; 8]
                    };
                    buf[..n].copy_from_slice(digits);
                    self.push(Value::Int(i64::from_le_bytes(buf)))?
                }
                b'X' => {
                    let s = self.text(4)?;
                    self.push(Value::Str(s))?
                }
                0x8c => {
                    let s = self.text(1)?;
                    self.push(Value::Str(s))?
                }
                0x8d => {
                    let s = self.text(8)?;
                    self.push(Value::Str(s))?
                }
                // Bytes: BINBYTES, SHORT_BINBYTES, BINBYTES8, and Python 2's
                // BINSTRING and SHORT_BINSTRING (its arrays' raw data).
                b'B' | b'C' | 0x8e | b'T' | b'U' => {
                    let width = match opcode {
                        b'C' | b'U' => 1,
                        0x8e => 8,
                        _ => 4,
                    };
                    let n = self.length(width)?;
                    let bytes = self.take(n)?;
                    self.push(Value::Bytes(Rc::from(bytes)))?
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.push(Value::Global(module, name))?
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(module), Value::Str(name)) => {
                            self.push(Value::Global(module, name))?
                        }
                        _ => return Err(self.malformed("STACK_GLOBAL without two strings")),
                    }
                }
                b'q' => {
                    let key = self.u8()?;
                    self.memo_put(u32::from(key))?
                }
                b'r' => {
                    let key = u32::from_le_bytes(self.le()?);
                    self.memo_put(key)?
                }
                0x94 => {
                    let key = u32::try_from(self.memo.len())
                        .map_err(|_| self.malformed("too many memo entries"))?;
                    self.memo_put(key)?
                }
                b'h' => {
                    let key = self.u8()?;
                    self.memo_get(u32::from(key))?
                }
                b'j' => {
                    let key = u32::from_le_bytes(self.le()?);
                    self.memo_get(key)?
                }
                b')' => self.tuple(Vec::new())?,
                b't' => {
                    let items = self.pop_to_mark()?;
                    self.tuple(items)?
                }
                0x85..=0x87 => {
                    let n = usize::from(opcode - 0x84);
                    if self.stack.len() < n {
                        return Err(self.malformed("the stack is empty"));
                    }
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.tuple(items)?
                }
                b']' => self.push(Value::List(Vec::new(), 1))?,
                b'}' => self.push(Value::Dict(Vec::new(), 1))?,
                b'a' => {
                    let item = self.pop()?;
                    self.extend_top(vec![item], false)?
                }
                b'e' => {
                    let items = self.pop_to_mark()?;
                    self.extend_top(items, false)?
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.extend_top(vec![key, value], true)?
                }
                b'u' => {
                    let items = self.pop_to_mark()?;
                    self.extend_top(items, true)?
                }
                b'R' => self.reduce()?,
                b'b' => self.build()?,
                other => {
                    return Err(PickleError::UnknownOpcode {
                        file: self.file.into(),
                        at: self.op_at,
                        opcode: other,
                    })
                }
            }
        }
    }
}

/// Reorders an array stored column-major (first index fastest) into row-major.
fn fortran_to_c(data: &[f32], shape: &[usize], count: usize) -> Vec<f32> {
    let mut out = vec![0.0; count];
    let mut index = vec![0usize; shape.len()];
    for &value in data {
        // `index` walks the array in Fortran order; place each value at its
        // row-major offset.
        let offset = index.iter().zip(shape).fold(0, |o, (&i, &d)| o * d + i);
        out[offset] = value;
        for (i, &d) in index.iter_mut().zip(shape) {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `pickle.dumps({"conv": [np.arange(6, dtype="<f4").reshape(2, 3),
    /// np.array([0.5], dtype="<f4")]}, protocol=3)` writes, opcode by opcode
    /// (checked against `pickletools.dis` on numpy 2 output; memo opcodes
    /// left out, which the format allows).
    fn small_pickle(fortran: bool, descr: &str) -> Vec<u8> {
        let mut p = vec![0x80, 3, b'}', b'('];
        let unicode = |p: &mut Vec<u8>, s: &str| {
            p.push(b'X');
            p.extend((s.len() as u32).to_le_bytes());
            p.extend(s.as_bytes());
        };
        unicode(&mut p, "conv");
        p.extend(b"](");
        let array = |p: &mut Vec<u8>, shape: &[u8], values: &[f32]| {
            p.extend(b"cnumpy.core.multiarray\n_reconstruct\n");
            p.extend(b"cnumpy\nndarray\n");
            p.extend([b'K', 0, 0x85, b'C', 1, b'b', 0x87, b'R']);
            p.extend([b'(', b'K', 1, b'(']);
            for &d in shape {
                p.extend([b'K', d]);
            }
            p.push(b't');
            p.extend(b"cnumpy\ndtype\n");
            unicode(p, descr);
            p.extend([b'K', 0, b'K', 1, 0x87, b'R', b'(', b'K', 3]);
            unicode(p, "<");
            p.extend([b'N', b'N', b'N', b'J']);
            p.extend((-1i32).to_le_bytes());
            p.push(b'J');
            p.extend((-1i32).to_le_bytes());
            p.extend([b'K', 0, b't', b'b']);
            p.push(if fortran { 0x88 } else { 0x89 });
            p.push(b'B');
            p.extend(((values.len() * 4) as u32).to_le_bytes());
            for v in values {
                p.extend(v.to_le_bytes());
            }
            p.extend([b't', b'b']);
        };
        array(&mut p, &[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        array(&mut p, &[1], &[0.5]);
        p.extend(b"eu.");
        p
    }

    #[test]
    fn reads_a_dict_of_float32_arrays() {
        let layers = read_weights("w.pkl", &small_pickle(false, "f4")).unwrap();
        assert_eq!(layers.len(), 1);
        let (name, arrays) = &layers[0];
        assert_eq!(name, "conv");
        assert_eq!(arrays[0].shape, vec![2, 3]);
        assert_eq!(arrays[0].data, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(arrays[1].data, vec![0.5]);
    }

    #[test]
    fn fortran_order_arrays_come_out_row_major() {
        // Column-major 0..6 in a 2x3 array is [[0, 2, 4], [1, 3, 5]].
        let layers = read_weights("w.pkl", &small_pickle(true, "f4")).unwrap();
        assert_eq!(layers[0].1[0].data, vec![0.0, 2.0, 4.0, 1.0, 3.0, 5.0]);
    }

    #[test]
    fn every_truncation_is_a_named_error() {
        let bytes = small_pickle(false, "f4");
        for end in 0..bytes.len() {
            let error = read_weights("w.pkl", &bytes[..end]).unwrap_err();
            assert!(
                matches!(
                    error,
                    PickleError::Truncated { .. } | PickleError::Malformed { .. }
                ),
                "cut at {end}: {error}"
            );
        }
    }

    #[test]
    fn refuses_other_dtypes_and_callables() {
        let error = read_weights("w.pkl", &small_pickle(false, "f8")).unwrap_err();
        assert!(
            error.to_string().contains("only little-endian float32"),
            "{error}"
        );
        let mut evil = vec![0x80, 3];
        evil.extend(b"cos\nsystem\n");
        evil.extend([b'X', 2, 0, 0, 0, b'l', b's', 0x85, b'R', b'.']);
        let error = read_weights("evil.pkl", &evil).unwrap_err();
        assert!(error.to_string().contains("calls os.system"), "{error}");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut deep = vec![0x80, 3, b')'];
        deep.extend(std::iter::repeat_n(0x85, 100_000));
        deep.push(b'.');
        let error = read_weights("deep.pkl", &deep).unwrap_err();
        assert!(error.to_string().contains("nested deeper"), "{error}");
    }
}
