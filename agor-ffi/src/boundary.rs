//! The crossing between C and Rust: the panic guard, the per-thread last error, argument checks
//! and the strings handed to C (a status's name among them). The crate's unsafe helpers live
//! here and nowhere else.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use serde::Serialize;

use crate::status::agor_status;

/// Why a call failed: a core error, or an argument the boundary refused before calling the core.
#[derive(Debug)]
pub(crate) enum FfiError {
    Core(agor_core::Error),
    NullArgument(&'static str),
    InvalidUtf8 {
        arg: &'static str,
        valid_up_to: usize,
    },
    Panic(String),
    /// One element of an array argument failed its check.
    InElement {
        index: usize,
        error: Box<FfiError>,
    },
}

impl From<agor_core::Error> for FfiError {
    fn from(e: agor_core::Error) -> Self {
        FfiError::Core(e)
    }
}

impl FfiError {
    fn status(&self) -> agor_status {
        match self {
            FfiError::Core(e) => agor_status::from_kind(e.kind()),
            FfiError::NullArgument(_) => agor_status::AGOR_NULL_ARGUMENT,
            FfiError::InvalidUtf8 { .. } => agor_status::AGOR_INVALID_UTF8,
            FfiError::Panic(_) => agor_status::AGOR_PANIC,
            FfiError::InElement { error, .. } => error.status(),
        }
    }

    fn message(&self) -> String {
        match self {
            FfiError::Core(e) => e.to_string(),
            FfiError::NullArgument(arg) => format!("argument `{arg}` must not be NULL"),
            FfiError::InvalidUtf8 { arg, valid_up_to } => format!(
                "argument `{arg}` is not valid UTF-8 (first bad byte at offset {valid_up_to})"
            ),
            FfiError::Panic(what) => format!("internal error in agor (please report): {what}"),
            FfiError::InElement { index, error } => {
                format!("{} (element {index})", error.message())
            }
        }
    }

    fn at_index(self, index: usize) -> FfiError {
        FfiError::InElement {
            index,
            error: Box::new(self),
        }
    }
}

pub(crate) type FfiResult = Result<(), FfiError>;

thread_local! {
    // Per thread, like errno, so concurrent callers never see each other's errors.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: Option<String>) {
    // The text may quote caller input; NUL bytes would cut it short in C, so spell them out.
    let text = message.map(|m| CString::new(m.replace('\0', "\\0")).unwrap_or_default());
    // `try_with` fails only while the thread is being torn down; there is no one left to tell.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = text);
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_owned())
}

/// Runs one status-returning entry point: clears the thread's last error, catches any panic,
/// and turns the outcome into a status (recording the error text on failure).
pub(crate) fn call(f: impl FnOnce() -> FfiResult) -> agor_status {
    set_last_error(None);
    let outcome = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(FfiError::Panic(panic_text(payload.as_ref()))));
    match outcome {
        Ok(()) => agor_status::AGOR_OK,
        Err(e) => {
            set_last_error(Some(e.message()));
            e.status()
        }
    }
}

/// Runs an entry point that returns no status (frees, name look-ups): a panic yields
/// `fallback` and is recorded as the last error, a normal return leaves the last error alone
/// so `agor_string_free` between a failed call and `agor_last_error_message` loses nothing.
pub(crate) fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        set_last_error(Some(
            FfiError::Panic(panic_text(payload.as_ref())).message(),
        ));
        fallback
    })
}

/// A required handle argument.
pub(crate) fn handle<'a, T>(ptr: Option<&'a T>, arg: &'static str) -> Result<&'a T, FfiError> {
    ptr.ok_or(FfiError::NullArgument(arg))
}

/// A required string argument, borrowed for the duration of the call.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged until
/// the entry point returns.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, arg: &'static str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::NullArgument(arg));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| FfiError::InvalidUtf8 {
        arg,
        valid_up_to: e.valid_up_to(),
    })
}

/// An optional string argument: NULL means "not given".
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const c_char,
    arg: &'static str,
) -> Result<Option<&'a str>, FfiError> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { text(ptr, arg) }.map(Some)
    }
}

/// A required array of `len` strings (`len` may be 0, and then `ptr` may be NULL). A NULL or
/// non-UTF-8 element is reported with its index, e.g. `artifacts[2]`.
///
/// # Safety
/// `ptr` is NULL or points to `len` pointers, each NULL or a NUL-terminated string, all valid
/// and unchanged until the entry point returns.
pub(crate) unsafe fn text_array<'a>(
    ptr: *const *const c_char,
    len: usize,
    arg: &'static str,
) -> Result<Vec<&'a str>, FfiError> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(FfiError::NullArgument(arg));
    }
    // SAFETY: non-NULL and `len` elements long per this function's contract.
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            // SAFETY: each element is NULL or NUL-terminated per the contract.
            unsafe { text(*item, arg) }.map_err(|e| e.at_index(i))
        })
        .collect()
}

/// A value an output parameter holds when the call fails.
pub(crate) trait Cleared {
    fn cleared() -> Self;
}

impl<T> Cleared for *mut T {
    fn cleared() -> Self {
        ptr::null_mut()
    }
}

/// How a result of type `T` is written into an output parameter of type `Self`.
pub(crate) trait Deliver<T>: Cleared {
    fn deliver(&mut self, value: T);
}

/// Records and lists reach C as JSON strings.
impl<T: Serialize> Deliver<T> for *mut c_char {
    fn deliver(&mut self, value: T) {
        put_json(self, &value);
    }
}

/// Counts and flags reach C as themselves.
macro_rules! scalar_out {
    ($($t:ty),*) => {$(
        impl Cleared for $t {
            fn cleared() -> Self {
                <$t>::default()
            }
        }

        impl Deliver<$t> for $t {
            fn deliver(&mut self, value: $t) {
                *self = value;
            }
        }
    )*};
}

scalar_out!(i64, usize, bool);

/// A required output parameter, cleared at once so it reads NULL/0 if the call then fails.
/// Entry points take their outputs first, before any other check can return early.
pub(crate) fn required_out<'a, T: Cleared>(
    out: Option<&'a mut T>,
    arg: &'static str,
) -> Result<&'a mut T, FfiError> {
    let out = out.ok_or(FfiError::NullArgument(arg))?;
    *out = T::cleared();
    Ok(out)
}

/// An output parameter the caller may pass as NULL when it does not want the value.
pub(crate) fn optional_out<T: Cleared>(out: Option<&mut T>) -> Option<&mut T> {
    out.map(|out| {
        *out = T::cleared();
        out
    })
}

/// Hands `value` to C as a NUL-terminated string the caller frees with `agor_string_free`.
pub(crate) fn put_string(out: &mut *mut c_char, value: String) {
    // The library's strings are JSON (control characters escaped), agent ids or file paths,
    // none of which can hold a NUL byte; a NUL here is a bug and becomes AGOR_PANIC.
    let value = CString::new(value).expect("string handed to C contains a NUL byte");
    *out = value.into_raw();
}

/// Hands `value` to C as JSON (see [`put_string`]).
fn put_json<T: Serialize + ?Sized>(out: &mut *mut c_char, value: &T) {
    // The core's records are plain structs with string keys, which always serialize.
    let json = serde_json::to_string(value).expect("core record failed to serialize");
    put_string(out, json);
}

/// The name of a status code as spelled in this header (`"AGOR_NOT_FOUND"`), or
/// `"AGOR_UNKNOWN_STATUS"` for a value that is not a status.
///
/// Ownership: the returned string is static; do not free it. Takes a plain integer so any
/// value, even one from a newer library, is safe to pass.
#[no_mangle]
pub extern "C" fn agor_status_name(status: i32) -> *const c_char {
    guard(c"AGOR_UNKNOWN_STATUS".as_ptr(), || {
        agor_status::ALL
            .iter()
            .find(|s| **s as i32 == status)
            .map_or(c"AGOR_UNKNOWN_STATUS", |s| s.name())
            .as_ptr()
    })
}

/// Frees a string this library returned (a JSON record or list, a path, a notify line).
///
/// Ownership: `s` must come from an agor function (never from malloc/strdup) and is invalid
/// after this call. NULL is accepted and ignored. Freeing the same string twice is undefined.
#[no_mangle]
pub unsafe extern "C" fn agor_string_free(s: *mut c_char) {
    guard((), || {
        if !s.is_null() {
            // SAFETY: per the contract `s` came from `CString::into_raw` in `put_string`.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

/// The text of the error from the calling thread's most recent agor call, or `""` if that
/// call succeeded (or no call was made yet).
///
/// Ownership: the string belongs to the library and stays valid on this thread until the next
/// agor call that returns an `agor_status` (which replaces or clears it); copy it to keep it.
/// Never NULL; do not free it. Each thread has its own last error.
#[no_mangle]
pub extern "C" fn agor_last_error_message() -> *const c_char {
    guard(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map(|m| m.as_ptr()))
            .ok()
            .flatten()
            .unwrap_or(c"".as_ptr())
    })
}

/// The library version, e.g. `"0.2.0"`. Static; do not free it.
#[no_mangle]
pub extern "C" fn agor_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The named C string arguments as `&str`, each required, returning early with its error:
/// `let (id, name) = texts!(agent_id, name);`. Each entry point's contract (every pointer
/// NULL or a NUL-terminated string valid for the call, header conventions) makes the reads
/// sound; the macro states that once instead of at every call.
macro_rules! texts {
    ($($arg:ident),+ $(,)?) => {
        // SAFETY: the entry point's contract, above.
        ($(unsafe { $crate::boundary::text($arg, stringify!($arg)) }?),+)
    };
}
pub(crate) use texts;

/// As [`texts!`], for optional arguments (NULL: `None`).
macro_rules! optional_texts {
    ($($arg:ident),+ $(,)?) => {
        // SAFETY: the entry point's contract, as for `texts!`.
        ($(unsafe { $crate::boundary::optional_text($arg, stringify!($arg)) }?),+)
    };
}
pub(crate) use optional_texts;

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        // SAFETY: agor_last_error_message never returns NULL and the text is NUL-terminated.
        unsafe { CStr::from_ptr(agor_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn status_name_covers_known_and_unknown_values() {
        for status in agor_status::ALL {
            // SAFETY: agor_status_name returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(agor_status_name(status as i32)) };
            assert_eq!(name, status.name());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(agor_status_name(-7)) };
        assert_eq!(unknown, c"AGOR_UNKNOWN_STATUS");
    }

    #[test]
    fn a_panic_becomes_agor_panic_with_its_message() {
        let status = call(|| panic!("boom in a test"));
        assert_eq!(status, agor_status::AGOR_PANIC);
        assert!(last_error().contains("boom in a test"), "{}", last_error());
        // The next successful call clears it.
        assert_eq!(call(|| Ok(())), agor_status::AGOR_OK);
        assert_eq!(last_error(), "");
    }

    #[test]
    fn guard_returns_fallback_on_panic_and_keeps_last_error_otherwise() {
        assert_eq!(
            call(|| Err(FfiError::NullArgument("x"))),
            agor_status::AGOR_NULL_ARGUMENT
        );
        assert_eq!(guard(1, || 2), 2);
        assert!(last_error().contains("`x` must not be NULL"));
        assert_eq!(guard(1, || panic!("free failed")), 1);
        assert!(last_error().contains("free failed"));
    }

    #[test]
    fn text_rejects_null_and_bad_utf8() {
        // SAFETY: NULL and a NUL-terminated literal are both allowed by `text`'s contract.
        unsafe {
            assert!(matches!(
                text(ptr::null(), "to"),
                Err(FfiError::NullArgument("to"))
            ));
            assert!(matches!(
                text(c"ab\xffc".as_ptr(), "to"),
                Err(FfiError::InvalidUtf8 { valid_up_to: 2, .. })
            ));
            assert_eq!(text(c"dev-1".as_ptr(), "to").unwrap(), "dev-1");
            assert_eq!(optional_text(ptr::null(), "group").unwrap(), None);
        }
    }

    #[test]
    fn text_array_reports_the_bad_element() {
        let good = [c"a".as_ptr(), c"b".as_ptr()];
        let with_null = [c"a".as_ptr(), ptr::null()];
        let with_bad = [c"\xff".as_ptr()];
        // SAFETY: each array holds `len` NULL or NUL-terminated pointers.
        unsafe {
            assert_eq!(text_array(good.as_ptr(), 2, "xs").unwrap(), ["a", "b"]);
            assert!(text_array(ptr::null(), 0, "xs").unwrap().is_empty());
            assert!(matches!(
                text_array(ptr::null(), 1, "xs"),
                Err(FfiError::NullArgument("xs"))
            ));
            let err = text_array(with_null.as_ptr(), 2, "xs").unwrap_err();
            assert_eq!(err.status(), agor_status::AGOR_NULL_ARGUMENT);
            assert!(err.message().contains("`xs`") && err.message().contains("element 1"));
            let err = text_array(with_bad.as_ptr(), 1, "xs").unwrap_err();
            assert_eq!(err.status(), agor_status::AGOR_INVALID_UTF8);
            assert!(err.message().contains("element 0"), "{}", err.message());
        }
    }

    #[test]
    fn each_thread_keeps_its_own_last_error() {
        assert_eq!(
            call(|| Err(FfiError::NullArgument("here"))),
            agor_status::AGOR_NULL_ARGUMENT
        );
        let other = std::thread::spawn(|| {
            let before = last_error();
            call(|| Err(FfiError::NullArgument("there")));
            (before, last_error())
        })
        .join()
        .unwrap();
        assert_eq!(other.0, "");
        assert!(other.1.contains("`there`"));
        assert!(last_error().contains("`here`"));
    }

    #[test]
    fn nul_bytes_in_error_text_are_spelled_out() {
        set_last_error(Some("a\0b".to_owned()));
        assert_eq!(last_error(), "a\\0b");
    }
}
