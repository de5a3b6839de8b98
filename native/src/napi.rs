//! Node-API glue every exported function uses: the one `extern "C"` trampoline (panics become
//! JS exceptions, never unwind into Node), `JsError` and how it is thrown, typed externals with
//! finalizers, and JS values out. Declarations live in `sys`, argument parsing in `args`.
//!
//! Invariant: an external is only dereferenced after its type tag matched (see `args`), so a
//! JS caller passing the wrong handle gets a TypeError, not a misinterpreted pointer.

mod args;
pub mod sys;

use std::ffi::{c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

pub use args::{ensure_disjoint, Args, Bytes};
use sys::*;
pub use sys::{CallbackInfo, Env, Finalize, TypeTag, Value};

/// Why a call failed, thrown into JS by `trampoline`.
#[derive(Debug)]
pub enum JsError {
    /// An argument has the wrong type (`TypeError`, code `ERR_INVALID_ARG_TYPE`).
    Type(String),
    /// An argument has the right type but a bad size or value (`RangeError`).
    Range(String),
    /// An operating error (a failed file operation): `Error` with `code` (`ENOENT`...),
    /// `syscall`, `path` and, when the OS gave one, `errno` (negative, as Node's fs errors).
    Os {
        message: String,
        code: &'static str,
        syscall: &'static str,
        path: String,
        errno: Option<i32>,
    },
    /// Any other failure (`Error`), e.g. a handle used after it was closed.
    Plain(String),
    /// A Node-API call left an exception pending already; nothing more to throw.
    Pending,
}

pub type JsResult<T> = Result<T, JsError>;

pub fn type_error<T>(message: String) -> JsResult<T> {
    Err(JsError::Type(message))
}

pub fn range_error<T>(message: String) -> JsResult<T> {
    Err(JsError::Range(message))
}

/// Turns a Node-API status into a `JsError`, keeping an exception Node already raised.
pub(crate) fn check(env: Env, status: Status, call: &str) -> JsResult<()> {
    if status == STATUS_OK {
        return Ok(());
    }
    let mut pending = false;
    // SAFETY: env is the live env of the current call.
    unsafe { napi_is_exception_pending(env, &mut pending) };
    if pending {
        Err(JsError::Pending)
    } else {
        Err(JsError::Plain(format!(
            "Node-API call {call} failed with status {status}"
        )))
    }
}

/// A C string for Node; interior NULs (a path could hold one) become '?' rather than failing.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "?")).unwrap_or_default()
}

pub fn throw(env: Env, error: JsError) {
    let (code, message) = match &error {
        JsError::Pending => return,
        JsError::Type(m) => ("ERR_INVALID_ARG_TYPE", m.as_str()),
        JsError::Range(m) => ("ERR_OUT_OF_RANGE", m.as_str()),
        JsError::Os { message, code, .. } => (*code, message.as_str()),
        JsError::Plain(m) => ("", m.as_str()),
    };
    let c_code = c_string(code);
    let c_message = c_string(message);
    let code_ptr = if code.is_empty() {
        ptr::null()
    } else {
        c_code.as_ptr()
    };
    // SAFETY: env is live; the strings outlive the calls.
    unsafe {
        match error {
            JsError::Type(_) => napi_throw_type_error(env, code_ptr, c_message.as_ptr()),
            JsError::Range(_) => napi_throw_range_error(env, code_ptr, c_message.as_ptr()),
            JsError::Os {
                syscall,
                path,
                errno,
                ..
            } => throw_os(env, &c_code, &c_message, syscall, &path, errno),
            _ => napi_throw_error(env, code_ptr, c_message.as_ptr()),
        };
    }
}

/// An `Error` with `code`, `syscall`, `path` and `errno`, like the errors `node:fs` throws.
unsafe fn throw_os(
    env: Env,
    code: &CString,
    message: &CString,
    syscall: &str,
    path: &str,
    errno: Option<i32>,
) -> Status {
    let build = || -> JsResult<Value> {
        let mut code_value = ptr::null_mut();
        let mut message_value = ptr::null_mut();
        let mut error = ptr::null_mut();
        check(
            env,
            napi_create_string_utf8(env, code.as_ptr(), usize::MAX, &mut code_value),
            "s",
        )?;
        let status = napi_create_string_utf8(env, message.as_ptr(), usize::MAX, &mut message_value);
        check(env, status, "napi_create_string_utf8")?;
        check(
            env,
            napi_create_error(env, code_value, message_value, &mut error),
            "error",
        )?;
        let mut fields = vec![
            ("syscall", string(env, syscall)?),
            ("path", string(env, path)?),
        ];
        if let Some(errno) = errno {
            fields.push(("errno", int32(env, -errno)?));
        }
        set_fields(env, error, &fields)?;
        Ok(error)
    };
    match build() {
        Ok(error) => napi_throw(env, error),
        Err(_) => napi_throw_error(env, code.as_ptr(), message.as_ptr()),
    }
}

/// The body of a JS-facing function: parse `Args`, do the work, return a JS value.
pub type Body = fn(Env, &Args) -> JsResult<Value>;

/// The one `extern "C"` entry point of every exported function: the `Body` travels in the
/// function's `data` pointer. Panics become a JS `Error` instead of crossing into C.
unsafe extern "C" fn trampoline(env: Env, info: CallbackInfo) -> Value {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (args, body) = Args::read(env, info)?;
        body(env, &args)
    }));
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => {
            throw(env, error);
            ptr::null_mut()
        }
        Err(_) => {
            throw(
                env,
                JsError::Plain("internal error in the Kimberlite addon (a Rust panic)".into()),
            );
            ptr::null_mut()
        }
    }
}

/// Adds `exports[name] = function` that runs `body`.
pub fn export(env: Env, exports: Value, name: &str, body: Body) -> JsResult<()> {
    let c_name = c_string(name);
    let mut function = ptr::null_mut();
    // SAFETY: a fn pointer fits in a data pointer on every platform Node supports; it is only
    // turned back into the same `Body` type in `Args::read`.
    let data = body as *mut c_void;
    unsafe {
        let status = napi_create_function(
            env,
            c_name.as_ptr(),
            name.len(),
            trampoline,
            data,
            &mut function,
        );
        check(env, status, "napi_create_function")?;
        check(
            env,
            napi_set_named_property(env, exports, c_name.as_ptr(), function),
            "set",
        )?;
    }
    Ok(())
}

unsafe extern "C" fn drop_box<T>(_env: Env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data.cast::<T>()));
}

/// Moves `value` into a JS external tagged with `tag`; it is dropped when the GC collects it.
pub fn new_external<T>(env: Env, value: Box<T>, tag: &'static TypeTag) -> JsResult<Value> {
    let raw = Box::into_raw(value);
    let mut result = ptr::null_mut();
    // SAFETY: on failure the box was not handed to Node, so it is reclaimed here.
    unsafe {
        let status = napi_create_external(
            env,
            raw.cast(),
            Some(drop_box::<T>),
            ptr::null_mut(),
            &mut result,
        );
        if status != STATUS_OK {
            drop(Box::from_raw(raw));
            return check(env, status, "napi_create_external").map(|_| result);
        }
        check(
            env,
            napi_type_tag_object(env, result, tag),
            "napi_type_tag_object",
        )?;
    }
    Ok(result)
}

/// A `Uint8Array` over `length` bytes at `data`, which Node owns from now on: `finalize(data,
/// hint)` runs (on the JS thread) once the GC collects the buffer. On failure `finalize` has
/// not been registered and the caller still owns `data`.
///
/// # Safety
/// `data` must stay valid until `finalize` runs and be usable by `finalize` with `hint`.
pub unsafe fn new_external_uint8array(
    env: Env,
    data: *mut u8,
    length: usize,
    finalize: Finalize,
    hint: *mut c_void,
) -> Result<Value, (JsError, bool)> {
    let mut buffer = ptr::null_mut();
    let status = napi_create_external_arraybuffer(
        env,
        data.cast(),
        length,
        Some(finalize),
        hint,
        &mut buffer,
    );
    if status != STATUS_OK {
        return Err((
            check(env, status, "napi_create_external_arraybuffer").unwrap_err(),
            false,
        ));
    }
    let mut array = ptr::null_mut();
    let status = napi_create_typedarray(env, TYPEDARRAY_UINT8, length, buffer, 0, &mut array);
    // Past this point Node owns `data` through `buffer`, whatever happens.
    check(env, status, "napi_create_typedarray").map_err(|e| (e, true))?;
    Ok(array)
}

pub fn undefined(env: Env) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_get_undefined(env, &mut result) },
        "napi_get_undefined",
    )?;
    Ok(result)
}

pub fn uint32(env: Env, value: u32) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_create_uint32(env, value, &mut result) },
        "napi_create_uint32",
    )?;
    Ok(result)
}

pub fn int32(env: Env, value: i32) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_create_int32(env, value, &mut result) },
        "napi_create_int32",
    )?;
    Ok(result)
}

pub fn double(env: Env, value: f64) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_create_double(env, value, &mut result) },
        "napi_create_double",
    )?;
    Ok(result)
}

pub fn boolean(env: Env, value: bool) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_get_boolean(env, value, &mut result) },
        "napi_get_boolean",
    )?;
    Ok(result)
}

pub fn string(env: Env, value: &str) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    let status =
        unsafe { napi_create_string_utf8(env, value.as_ptr().cast(), value.len(), &mut result) };
    check(env, status, "napi_create_string_utf8")?;
    Ok(result)
}

fn set_fields(env: Env, object: Value, fields: &[(&str, Value)]) -> JsResult<()> {
    for (key, value) in fields {
        let c_key = c_string(key);
        let status = unsafe { napi_set_named_property(env, object, c_key.as_ptr(), *value) };
        check(env, status, "napi_set_named_property")?;
    }
    Ok(())
}

/// A plain object `{ key: value, ... }`.
pub fn object(env: Env, fields: &[(&str, Value)]) -> JsResult<Value> {
    let mut result = ptr::null_mut();
    check(
        env,
        unsafe { napi_create_object(env, &mut result) },
        "napi_create_object",
    )?;
    set_fields(env, result, fields)?;
    Ok(result)
}
