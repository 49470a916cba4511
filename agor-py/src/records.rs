//! The records Python code gets back (Agent, Message, Channel, Task, Claim, ...): immutable
//! wrappers around the core structs with read-only attributes, `to_dict()`, `__repr__` and `==`.
//!
//! A class is written once, as the core struct it wraps: `records/classes.rs` holds only what
//! is Python's own of each (what `repr` shows), and `records/fields.rs`, generated from the
//! core records by `tests/records.rs`, their fields and docs.

use agor_core as core;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

/// How a core value becomes Python: `object` is what an attribute returns (records become
/// their classes), `plain` what `to_dict()` holds (records become dicts, recursively).
/// Attributes convert on access, so a record that is never inspected costs one allocation.
pub(crate) trait ToPy {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;

    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.object(py)
    }

    /// Like `object`, moving the value instead of cloning it (for results of core calls).
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>
    where
        Self: Sized,
    {
        self.object(py)
    }
}

macro_rules! scalar_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.into_bound_py_any(py)
            }
        }
    )*};
}
scalar_to_py!(String, i64, usize, bool, f64);

/// Task statuses and priorities are plain strings in Python (`"in_progress"`, `"critical"`).
macro_rules! label_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(PyString::intern(py, self.as_str()).into_any())
            }
        }
    )*};
}
label_to_py!(
    core::TaskStatus,
    core::Priority,
    core::ChangeKind,
    core::SearchKind,
    core::WorkState,
    core::ProposalStatus,
    core::Capability,
    core::Permission,
    core::Importance
);

/// Operations with nothing to return give Python `None` (pyo3 would make `()` an empty tuple).
impl ToPy for () {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl ToPy for &str {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl<T: ToPy> ToPy for Option<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.object(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.plain(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Some(v) => v.into_object(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// A Python list of `items`, each made by `one`.
fn py_list<'py, T>(
    py: Python<'py>,
    items: impl IntoIterator<Item = T>,
    one: impl Fn(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let items = items.into_iter().map(one).collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

/// A set (a role's capabilities and permissions) is a sorted list in Python.
impl<T: ToPy> ToPy for std::collections::BTreeSet<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.object(py))
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.object(py))
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_list(py, self, |v| v.plain(py))
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        py_list(py, self, |v| v.into_object(py))
    }
}

impl<A: ToPy, B: ToPy> ToPy for (A, B) {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(py, [self.0.object(py)?, self.1.object(py)?])?.into_any())
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(py, [self.0.plain(py)?, self.1.plain(py)?])?.into_any())
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(PyTuple::new(py, [self.0.into_object(py)?, self.1.into_object(py)?])?.into_any())
    }
}

/// Text shown in a repr: long bodies are cut so a list of messages stays readable.
fn preview(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Declares the Python class of one core record, as a row of `records/classes.rs` asks and
/// `records/fields.rs` completes it with the core's docs and fields: a getter per field,
/// `to_dict`, `__repr__` (showing the `repr` fields, and the `preview` field shortened), and
/// `==` from the core's `PartialEq`.
macro_rules! record {
    (
        $name:ident {
            repr: [$($rf:ident),*]
            $(, preview: $pf:ident)?
            $(, pyclass: [$($opt:ident),*])?
            $(, note: $note:literal)?
            $(, docs: $docs:tt)?
            $(,)?
        }
        $(#[doc = $doc:literal])*
        { $( $(#[doc = $fdoc:literal])* $field:ident ),* $(,)? }
    ) => {
        $(#[doc = $doc])*
        $(#[doc = ""] #[doc = $note])?
        #[pyclass(frozen, eq, module = "agor" $($(, $opt)*)?)]
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name(pub(crate) core::$name);

        impl $name {
            /// The attributes, in the core record's order (that of `to_dict`).
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        #[pymethods]
        impl $name {
            $(
                $(#[doc = $fdoc])*
                #[getter]
                // Names mirror the legacy columns, so `from_agent` is a getter, not a constructor.
                #[allow(clippy::wrong_self_convention)]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    self.0.$field.object(py)
                }
            )*

            /// The record as a dict of plain values (nested records become dicts too),
            /// ready for `json.dumps`.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.0.plain(py)
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let mut parts: Vec<String> = Vec::new();
                $( parts.push(format!(
                    concat!(stringify!($rf), "={}"),
                    self.0.$rf.object(py)?.repr()?
                )); )*
                $( parts.push(format!(
                    concat!(stringify!($pf), "={}"),
                    PyString::new(py, &preview(&self.0.$pf)).repr()?
                )); )?
                Ok(format!(concat!(stringify!($name), "({})"), parts.join(", ")))
            }
        }

        impl ToPy for core::$name {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(Bound::new(py, $name(self.clone()))?.into_any())
            }
            fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let d = PyDict::new(py);
                $( d.set_item(pyo3::intern!(py, stringify!($field)), self.$field.plain(py)?)?; )*
                Ok(d.into_any())
            }
            fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                Ok(Bound::new(py, $name(self))?.into_any())
            }
        }
    };
}

/// Declares every row of `records/classes.rs` (each through `records/fields.rs`, which adds
/// the core's fields), the function that registers the classes and the one that describes
/// them to the stub generator.
macro_rules! records {
    ($($name:ident $row:tt)*) => {
        $( with_fields! { $name $row } )*

        /// Registers every record class on the native module.
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_class::<$name>()?; )*
            m.add_class::<TaskDetail>()?;
            m.add_function(wrap_pyfunction!(_records, m)?)
        }

        /// Each record class with its attributes in order and the JSON Schema (as text) of the
        /// core record it wraps: what `agor._stubs` writes the classes of `_agor.pyi` from.
        #[pyfunction]
        fn _records(py: Python<'_>) -> Vec<(Bound<'_, PyType>, &'static [&'static str], String)> {
            vec![$( (py.get_type::<$name>(), $name::FIELDS, schema::<core::$name>()) ),*]
        }
    };
}

/// The JSON Schema of a core record, as text.
fn schema<T: schemars::JsonSchema>() -> String {
    schemars::schema_for!(T).as_value().to_string()
}

// The generated half: for each core record its doc and its fields with their docs.
#[macro_use]
mod fields;

include!("records/classes.rs");

/// A task with its comments (oldest first) and direct subtasks, as `get_task` returns it.
///
/// A subclass of `Task`, so every task attribute is here too; `to_dict()` holds the task's
/// keys plus `comments` and `subtasks`.
#[pyclass(frozen, extends = Task, module = "agor")]
#[derive(Debug)]
pub struct TaskDetail {
    comments: Vec<core::Comment>,
    subtasks: Vec<core::Task>,
}

impl TaskDetail {
    fn task(slf: &Bound<'_, Self>) -> core::Task {
        slf.as_super().get().0.clone()
    }

    fn to_core(slf: &Bound<'_, Self>) -> core::TaskDetail {
        let me = slf.get();
        core::TaskDetail {
            task: Self::task(slf),
            comments: me.comments.clone(),
            subtasks: me.subtasks.clone(),
        }
    }
}

#[pymethods]
impl TaskDetail {
    /// Comments on the task, oldest first (list of `Comment`).
    #[getter]
    fn comments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.comments.object(py)
    }

    /// Direct subtasks, in sort order (list of `Task`).
    #[getter]
    fn subtasks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.subtasks.object(py)
    }

    /// The task as a dict of plain values, with `comments` and `subtasks` as lists of dicts.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_core(slf).plain(slf.py())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let task = slf.as_super().get().__repr__(slf.py())?;
        let fields = task
            .strip_prefix("Task(")
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(&task);
        let me = slf.get();
        Ok(format!(
            "TaskDetail({fields}, comments={}, subtasks={})",
            me.comments.len(),
            me.subtasks.len()
        ))
    }

    /// Equal to another `TaskDetail` with the same task, comments and subtasks; never equal
    /// to a plain `Task` (it carries more).
    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<TaskDetail>()
            .is_ok_and(|o| Self::to_core(slf) == Self::to_core(o))
    }
}

impl ToPy for core::TaskDetail {
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.clone().into_object(py)
    }
    fn plain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // The same shape as the core's JSON (the task's keys flattened in).
        let d = self.task.plain(py)?.cast_into::<PyDict>()?;
        d.set_item(pyo3::intern!(py, "comments"), self.comments.plain(py)?)?;
        d.set_item(pyo3::intern!(py, "subtasks"), self.subtasks.plain(py)?)?;
        Ok(d.into_any())
    }
    fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let init = PyClassInitializer::from(Task(self.task)).add_subclass(TaskDetail {
            comments: self.comments,
            subtasks: self.subtasks,
        });
        Ok(Bound::new(py, init)?.into_any())
    }
}

/// Any operation's typed response as Python: records as their classes, lists as lists, `None`
/// for nothing. One arm per operation, written by the catalogue
/// (`agor_core::for_each_response!`), so an operation whose answer Python cannot convert does
/// not compile.
macro_rules! responses_to_py {
    ($($Variant:ident,)*) => {
        impl ToPy for core::ops::Response {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                match self {
                    $( core::ops::Response::$Variant(out) => out.object(py), )*
                }
            }
            fn into_object(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                match self {
                    $( core::ops::Response::$Variant(out) => out.into_object(py), )*
                }
            }
        }
    };
}
agor_core::for_each_response!(responses_to_py);

/// Core values Python has no class for, as the plain data of their JSON (dicts in the
/// record's field order, lists, str, int, float, bool, None): what `call` gives for them.
macro_rules! json_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let text = serde_json::to_string(self)
                    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
                py.import("json")?.call_method1("loads", (text,))
            }
        }
    )*};
}
json_to_py!(
    core::Setting,
    core::Attempt,
    core::BlockedTask,
    core::ops::BoardColumn,
    core::StatusMove,
    core::UsagePoint,
    core::Waiting
);
scalar_to_py!(u64);
