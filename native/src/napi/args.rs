//! Arguments of a JS call, parsed with type and bounds checks, and typed-array memory borrowed
//! for the duration of the call.
//!
//! Invariant: typed-array memory becomes a Rust slice only through `Bytes::slice` /
//! `Bytes::slice_mut` (and the `Words` twins), after the caller checked that an output does not
//! overlap any input: Rust forbids a `&mut [u8]` aliasing another live reference, and JS can
//! pass two views of one ArrayBuffer.

use std::ffi::c_void;
use std::ptr;

use super::sys::*;
use super::{check, range_error, type_error, Body, Env, JsError, JsResult, TypeTag, Value};

/// Most arguments any exported function takes.
const ARGS_MAX: usize = 8;

/// The arguments of one call. Missing arguments read as `undefined`.
pub struct Args {
    env: Env,
    argv: [Value; ARGS_MAX],
}

/// Typed-array memory borrowed from JS for the duration of one call.
#[derive(Clone, Copy)]
pub struct Bytes {
    ptr: *mut u8,
    pub len: usize,
}

/// A borrowed `Uint32Array`.
#[derive(Clone, Copy)]
pub struct Words {
    ptr: *mut u32,
    pub len: usize,
}

/// A span of memory, for overlap checks between outputs and inputs.
#[derive(Clone, Copy)]
pub struct Region {
    start: usize,
    len: usize,
}

impl Region {
    fn overlaps(&self, other: &Region) -> bool {
        self.len > 0
            && other.len > 0
            && self.start < other.start + other.len
            && other.start < self.start + self.len
    }
}

impl Bytes {
    pub fn address(&self) -> usize {
        self.ptr as usize
    }

    pub fn region(&self) -> Region {
        Region {
            start: self.ptr as usize,
            len: self.len,
        }
    }

    /// # Safety
    /// Valid during the current call only; no `slice_mut` of an overlapping range may be live.
    pub unsafe fn slice<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr, self.len)
        }
    }

    /// # Safety
    /// Valid during the current call only; the caller checked that no other live slice overlaps.
    pub unsafe fn slice_mut<'a>(&self) -> &'a mut [u8] {
        if self.len == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut(self.ptr, self.len)
        }
    }
}

impl Words {
    pub fn region(&self) -> Region {
        Region {
            start: self.ptr as usize,
            len: self.len * 4,
        }
    }

    /// # Safety
    /// As `Bytes::slice`.
    pub unsafe fn slice<'a>(&self) -> &'a [u32] {
        if self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr, self.len)
        }
    }

    /// # Safety
    /// As `Bytes::slice_mut`.
    pub unsafe fn slice_mut<'a>(&self) -> &'a mut [u32] {
        if self.len == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut(self.ptr, self.len)
        }
    }
}

/// Fails when the output `out` shares memory with any of `inputs` (named for the message):
/// Rust must not hold a `&mut` slice that aliases another slice.
pub fn ensure_disjoint(out: (Region, &str), inputs: &[(Region, &str)]) -> JsResult<()> {
    for (input, name) in inputs {
        if out.0.overlaps(input) {
            return range_error(format!("{} must not overlap {name}", out.1));
        }
    }
    Ok(())
}

impl Args {
    pub(super) unsafe fn read(env: Env, info: CallbackInfo) -> JsResult<(Args, Body)> {
        let mut argc = ARGS_MAX;
        let mut argv = [ptr::null_mut(); ARGS_MAX];
        let mut data = ptr::null_mut();
        let status = napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        );
        check(env, status, "napi_get_cb_info")?;
        // SAFETY: `data` is the `Body` that `export` stored for this very function.
        let body = std::mem::transmute::<*mut c_void, Body>(data);
        Ok((Args { env, argv }, body))
    }

    fn value(&self, index: usize) -> Value {
        self.argv[index]
    }

    fn type_of(&self, index: usize) -> JsResult<i32> {
        let mut kind = 0;
        // SAFETY: env and the value are live for this call.
        check(
            self.env,
            unsafe { napi_typeof(self.env, self.value(index), &mut kind) },
            "typeof",
        )?;
        Ok(kind)
    }

    /// True when argument `index` is `null` or `undefined`.
    pub fn is_nullish(&self, index: usize) -> JsResult<bool> {
        let kind = self.type_of(index)?;
        Ok(kind == TYPE_UNDEFINED || kind == TYPE_NULL)
    }

    /// The memory of a typed array of element type `want`, or a TypeError naming `name`.
    fn typed_array(&self, index: usize, want: i32, name: &str) -> JsResult<(*mut c_void, usize)> {
        let want_name = if want == TYPEDARRAY_UINT8 {
            "Uint8Array"
        } else {
            "Uint32Array"
        };
        let mut kind = -1;
        let mut length = 0usize;
        let mut data = ptr::null_mut();
        // SAFETY: env and value are live; the out-pointers are valid locals. For anything but
        // a typed array the call fails with a status (no exception), which we report as a
        // TypeError: one Node-API call instead of `napi_is_typedarray` first, on the hot path.
        let status = unsafe {
            napi_get_typedarray_info(
                self.env,
                self.value(index),
                &mut kind,
                &mut length,
                &mut data,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if status != STATUS_OK || kind != want {
            if let Err(JsError::Pending) = check(self.env, status, "napi_get_typedarray_info") {
                return Err(JsError::Pending);
            }
            return type_error(format!("{name} must be a {want_name}"));
        }
        // A detached buffer reports no memory: treat it as empty rather than dereference it.
        if data.is_null() {
            length = 0;
        }
        Ok((data, length))
    }

    pub fn bytes(&self, index: usize, name: &str) -> JsResult<Bytes> {
        let (data, len) = self.typed_array(index, TYPEDARRAY_UINT8, name)?;
        Ok(Bytes {
            ptr: data.cast(),
            len,
        })
    }

    /// A `Uint8Array`, or `None` for `null` / `undefined`.
    pub fn optional_bytes(&self, index: usize, name: &str) -> JsResult<Option<Bytes>> {
        if self.is_nullish(index)? {
            return Ok(None);
        }
        self.bytes(index, name).map(Some)
    }

    pub fn words(&self, index: usize, name: &str) -> JsResult<Words> {
        let (data, len) = self.typed_array(index, TYPEDARRAY_UINT32, name)?;
        // JS guarantees 4-byte alignment of a Uint32Array; checked anyway before making a slice.
        if len > 0 && (data as usize) % 4 != 0 {
            return range_error(format!("{name} is not 4-byte aligned"));
        }
        Ok(Words {
            ptr: data.cast(),
            len,
        })
    }

    pub fn optional_words(&self, index: usize, name: &str) -> JsResult<Option<Words>> {
        if self.is_nullish(index)? {
            return Ok(None);
        }
        self.words(index, name).map(Some)
    }

    pub fn number(&self, index: usize, name: &str) -> JsResult<f64> {
        let mut value = 0.0;
        // SAFETY: env and value are live. A non-number fails with a status, no exception.
        let status = unsafe { napi_get_value_double(self.env, self.value(index), &mut value) };
        if status != STATUS_OK {
            return type_error(format!("{name} must be a number"));
        }
        Ok(value)
    }

    /// A number that is an integer in `0..=max` (at most 2^53 - 1, so exact as a double).
    pub fn integer(&self, index: usize, name: &str, max: u64) -> JsResult<u64> {
        let value = self.number(index, name)?;
        let max = max.min((1u64 << 53) - 1);
        if !(value >= 0.0 && value <= max as f64 && value.fract() == 0.0) {
            return range_error(format!(
                "{name} must be an integer from 0 to {max}, got {value}"
            ));
        }
        Ok(value as u64)
    }

    pub fn boolean(&self, index: usize, name: &str) -> JsResult<bool> {
        if self.type_of(index)? != TYPE_BOOLEAN {
            return type_error(format!("{name} must be a boolean"));
        }
        let mut value = false;
        // SAFETY: the value is a boolean, checked above.
        let status = unsafe { napi_get_value_bool(self.env, self.value(index), &mut value) };
        check(self.env, status, "napi_get_value_bool")?;
        Ok(value)
    }

    pub fn string(&self, index: usize, name: &str) -> JsResult<String> {
        if self.type_of(index)? != TYPE_STRING {
            return type_error(format!("{name} must be a string"));
        }
        let value = self.value(index);
        let mut length = 0usize;
        // SAFETY: a null buffer asks for the length; then a buffer of length + 1 is filled.
        unsafe {
            let status =
                napi_get_value_string_utf8(self.env, value, ptr::null_mut(), 0, &mut length);
            check(self.env, status, "napi_get_value_string_utf8")?;
            let mut buffer = vec![0u8; length + 1];
            let status = napi_get_value_string_utf8(
                self.env,
                value,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut length,
            );
            check(self.env, status, "napi_get_value_string_utf8")?;
            buffer.truncate(length);
            String::from_utf8(buffer).map_err(|_| JsError::Type(format!("{name} is not UTF-8")))
        }
    }

    /// The Rust object behind an external created by `new_external` with the same `tag`.
    ///
    /// # Safety
    /// `T` must be the type that was boxed under `tag`; the reference must not outlive the call.
    pub unsafe fn external<'a, T>(
        &self,
        index: usize,
        tag: &TypeTag,
        name: &str,
    ) -> JsResult<&'a mut T> {
        let value = self.value(index);
        if self.type_of(index)? != TYPE_EXTERNAL {
            return type_error(format!("{name} must be a handle from this addon"));
        }
        let mut matches = false;
        check(
            self.env,
            napi_check_object_type_tag(self.env, value, tag, &mut matches),
            "tag",
        )?;
        if !matches {
            return type_error(format!("{name} is a handle of another kind"));
        }
        let mut data = ptr::null_mut();
        check(
            self.env,
            napi_get_value_external(self.env, value, &mut data),
            "external",
        )?;
        Ok(&mut *data.cast::<T>())
    }
}
