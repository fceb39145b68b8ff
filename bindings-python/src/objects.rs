//! The Python objects of an event, built straight from the core's canonical walk: dicts, lists, strs, ints, floats,
//! bools and `None`, made through the C API as the walk reports each value (the way `orjson` builds objects), with no
//! JSON text and no `json.loads` in between. This sink holds no webhook rules: names, kinds and the canonical form are
//! the walk's; it only makes the object each call names and puts it in the container that is open.
//!
//! The member names of the payload schemas are made once per process and interned, so an event's dicts share their
//! keys (as `json.loads` shares keys within one document, only across documents too).
//!
//! Unsafe code is confined to this module: raw `PyObject` pointers owned by the sink, each released exactly once
//! (in `end_object`/`end_array`, in [`ObjectSink::finish`], or in `Drop` when the walk fails half way).
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::hash::{BuildHasherDefault, Hasher};

use dropship_webhooks::wire::field_names;
use dropship_webhooks::Sink;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

/// Hashes a name's address and length: the walk reports schema names as the `&'static str`s of the tables, so an address
/// names a field, and hashing one word is much cheaper than hashing the text.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8 | u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, word: usize) {
        // Fibonacci hashing: the multiply spreads the address's low, aligned bits over the whole word.
        self.0 = (self.0 ^ word as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
}

/// The interned Python string of every schema member name, by the name's address and length (the walk reports
/// names from its tables only: `field_names` lists those very strings).
type Names = HashMap<(usize, usize), Py<PyString>, BuildHasherDefault<AddressHasher>>;

fn address(name: &'static str) -> (usize, usize) {
    (name.as_ptr() as usize, name.len())
}

fn names(py: Python<'_>) -> &'static Names {
    static NAMES: PyOnceLock<Names> = PyOnceLock::new();
    NAMES.get_or_init(py, || {
        field_names().into_iter().map(|name| (address(name), PyString::intern(py, name).unbind())).collect()
    })
}

/// Builds one event's Python object from the walk's reports. Every pointer it holds is a strong reference it owns.
pub(crate) struct ObjectSink<'py> {
    py: Python<'py>,
    names: &'static Names,
    /// The open containers, innermost last, and whether each is a dict.
    open: Vec<(*mut ffi::PyObject, bool)>,
    /// The name of the dict member whose value comes next.
    key: *mut ffi::PyObject,
    /// Whether the sink owns `key`; an interned schema name is borrowed from the name table, which lives as long as
    /// the process, so it costs no reference counting.
    key_owned: bool,
    /// The outermost value, once made.
    root: *mut ffi::PyObject,
    /// A C API call failed (it set the Python error); everything after is skipped and `finish` raises it.
    failed: bool,
}

impl<'py> ObjectSink<'py> {
    pub(crate) fn new(py: Python<'py>) -> Self {
        ObjectSink {
            py,
            names: names(py),
            open: Vec::with_capacity(8),
            key: std::ptr::null_mut(),
            key_owned: false,
            root: std::ptr::null_mut(),
            failed: false,
        }
    }

    /// The event, or the error a C API call raised (a `MemoryError`, in practice).
    pub(crate) fn finish(mut self) -> PyResult<Bound<'py, PyAny>> {
        let root = std::mem::replace(&mut self.root, std::ptr::null_mut());
        if self.failed || root.is_null() || !self.open.is_empty() {
            // SAFETY: `root` is null or a strong reference this sink owned; it is released once, here.
            unsafe { ffi::Py_XDECREF(root) };
            return Err(PyErr::take(self.py)
                .unwrap_or_else(|| pyo3::exceptions::PySystemError::new_err("the event walk ended unfinished")));
        }
        // SAFETY: `root` is a non-null strong reference; ownership passes to the returned `Bound`.
        Ok(unsafe { Bound::from_owned_ptr(self.py, root) })
    }

    /// Puts a new value into the open container (or makes it the root). Takes the reference `value` holds.
    fn place(&mut self, value: *mut ffi::PyObject) {
        if self.failed || value.is_null() {
            self.failed = true;
            // SAFETY: `value` is null or a strong reference this sink owns.
            unsafe { ffi::Py_XDECREF(value) };
            return;
        }
        let Some(&(container, is_dict)) = self.open.last() else {
            // SAFETY: releases an earlier root, if any (the walk reports one root, so none).
            unsafe { ffi::Py_XDECREF(self.root) };
            self.root = value;
            return;
        };
        // SAFETY: `container` is a live dict or list this sink owns, `value` a live strong reference, and `key`
        // (for a dict) the name set by the member before it: a reference the sink owns, or an interned name the
        // name table keeps alive. Neither call steals a reference, so the sink's own are released after.
        let status = unsafe {
            if is_dict {
                let key = std::mem::replace(&mut self.key, std::ptr::null_mut());
                let status = if key.is_null() { -1 } else { ffi::PyDict_SetItem(container, key, value) };
                if std::mem::take(&mut self.key_owned) {
                    ffi::Py_XDECREF(key);
                }
                status
            } else {
                ffi::PyList_Append(container, value)
            }
        };
        // SAFETY: the container holds its own reference now.
        unsafe { ffi::Py_DECREF(value) };
        if status != 0 {
            self.failed = true;
        }
    }

    /// Opens a new container: placed in its parent, and kept open (with a reference of its own) until it ends.
    fn open(&mut self, container: *mut ffi::PyObject, is_dict: bool) {
        if self.failed || container.is_null() {
            self.failed = true;
            // SAFETY: null or a strong reference just made.
            unsafe { ffi::Py_XDECREF(container) };
            return;
        }
        // SAFETY: one reference for the parent (taken by `place`), one kept while the container is open.
        unsafe { ffi::Py_INCREF(container) };
        self.place(container);
        self.open.push((container, is_dict));
    }

    fn close(&mut self) {
        if let Some((container, _)) = self.open.pop() {
            // SAFETY: the reference `open` kept for this container.
            unsafe { ffi::Py_DECREF(container) };
        }
    }

    /// The name of the member whose value comes next; `owned` says whether the sink holds a reference to it.
    fn set_key(&mut self, key: *mut ffi::PyObject, owned: bool) {
        if key.is_null() {
            self.failed = true;
            return;
        }
        self.release_key();
        self.key = key;
        self.key_owned = owned;
    }

    /// Forgets the pending member name (none is pending when calls nest properly), releasing it if owned.
    fn release_key(&mut self) {
        let key = std::mem::replace(&mut self.key, std::ptr::null_mut());
        if std::mem::take(&mut self.key_owned) {
            // SAFETY: a strong reference this sink owned; released once, and forgotten above.
            unsafe { ffi::Py_XDECREF(key) };
        }
    }

    fn text(text: &str) -> *mut ffi::PyObject {
        // SAFETY: a valid UTF-8 buffer and its length (a `&str` is never longer than `isize::MAX`).
        unsafe { ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast::<c_char>(), text.len() as ffi::Py_ssize_t) }
    }
}

impl Sink for ObjectSink<'_> {
    fn reset(&mut self) {
        self.release();
        self.failed = false;
    }

    fn begin_object(&mut self) {
        // SAFETY: plain constructor; null on failure, which `open` handles.
        self.open(unsafe { ffi::PyDict_New() }, true);
    }

    fn end_object(&mut self) {
        self.close();
    }

    fn begin_array(&mut self) {
        // SAFETY: plain constructor; null on failure, which `open` handles.
        self.open(unsafe { ffi::PyList_New(0) }, false);
    }

    fn end_array(&mut self) {
        self.close();
    }

    fn field(&mut self, name: &'static str) {
        match self.names.get(&address(name)) {
            Some(interned) => self.set_key(interned.as_ptr(), false),
            None => self.set_key(Self::text(name), true),
        }
    }

    fn key(&mut self, name: &str) {
        self.set_key(Self::text(name), true);
    }

    fn null(&mut self) {
        // SAFETY: `None` is immortal in current CPython; the reference is still counted for older ones.
        let none = unsafe { ffi::Py_None() };
        unsafe { ffi::Py_INCREF(none) };
        self.place(none);
    }

    fn boolean(&mut self, value: bool) {
        // SAFETY: as for `None`.
        let flag = unsafe {
            if value {
                ffi::Py_True()
            } else {
                ffi::Py_False()
            }
        };
        unsafe { ffi::Py_INCREF(flag) };
        self.place(flag);
    }

    fn string(&mut self, text: &str) {
        self.place(Self::text(text));
    }

    fn integer(&mut self, literal: &str) {
        let value = match literal.parse::<i64>() {
            // SAFETY: plain constructor.
            Ok(small) => unsafe { ffi::PyLong_FromLongLong(small) },
            // Past 64 bits: Python's own arbitrary-precision parse of the digits.
            Err(_) => match CString::new(literal) {
                // SAFETY: a NUL-terminated string of an optional minus and decimal digits, base 10.
                Ok(digits) => unsafe { ffi::PyLong_FromString(digits.as_ptr(), std::ptr::null_mut(), 10) },
                Err(_) => std::ptr::null_mut(),
            },
        };
        self.place(value);
    }

    fn float(&mut self, literal: &str) {
        // The literal passed the walk's JSON grammar and range check; Rust's parse rounds correctly, as Python's does.
        let value = literal.parse::<f64>().unwrap_or(f64::NAN);
        // SAFETY: plain constructor.
        self.place(unsafe { ffi::PyFloat_FromDouble(value) });
    }
}

impl ObjectSink<'_> {
    /// Releases every object held, and any error a failed C API call left (the walk's own error, or a fresh start,
    /// is what counts then).
    fn release(&mut self) {
        self.release_key();
        if self.failed {
            drop(PyErr::take(self.py));
        }
        // SAFETY: every pointer here is null or a strong reference this sink still owns; each is released once
        // and forgotten.
        unsafe {
            for (container, _) in self.open.drain(..) {
                ffi::Py_DECREF(container);
            }
            ffi::Py_XDECREF(std::mem::replace(&mut self.root, std::ptr::null_mut()));
        }
    }
}

impl Drop for ObjectSink<'_> {
    fn drop(&mut self) {
        self.release();
    }
}
