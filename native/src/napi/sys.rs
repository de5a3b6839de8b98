//! Node-API declarations, written from node_api.h / js_native_api.h (Node-API version 8):
//! opaque handles, the enums we use as their C `int` values, and the functions. They resolve
//! from the `node` binary when the addon is loaded.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void};

#[repr(C)]
pub struct EnvOpaque {
    _private: [u8; 0],
}
#[repr(C)]
pub struct ValueOpaque {
    _private: [u8; 0],
}
#[repr(C)]
pub struct InfoOpaque {
    _private: [u8; 0],
}

pub type Env = *mut EnvOpaque;
pub type Value = *mut ValueOpaque;
pub type CallbackInfo = *mut InfoOpaque;
pub type Status = i32;
pub type Callback = unsafe extern "C" fn(Env, CallbackInfo) -> Value;
pub type Finalize = unsafe extern "C" fn(Env, *mut c_void, *mut c_void);

pub const STATUS_OK: Status = 0;

// napi_valuetype
pub const TYPE_UNDEFINED: i32 = 0;
pub const TYPE_NULL: i32 = 1;
pub const TYPE_BOOLEAN: i32 = 2;
pub const TYPE_STRING: i32 = 4;
pub const TYPE_EXTERNAL: i32 = 8;

// napi_typedarray_type
pub const TYPEDARRAY_UINT8: i32 = 1;
pub const TYPEDARRAY_UINT32: i32 = 6;

/// Distinguishes our externals from each other and from other addons' (napi_type_tag).
#[repr(C)]
pub struct TypeTag {
    pub lower: u64,
    pub upper: u64,
}

extern "C" {
    pub fn napi_create_function(
        env: Env,
        name: *const c_char,
        length: usize,
        cb: Callback,
        data: *mut c_void,
        result: *mut Value,
    ) -> Status;
    pub fn napi_set_named_property(
        env: Env,
        object: Value,
        name: *const c_char,
        v: Value,
    ) -> Status;
    pub fn napi_get_cb_info(
        env: Env,
        info: CallbackInfo,
        argc: *mut usize,
        argv: *mut Value,
        this_arg: *mut Value,
        data: *mut *mut c_void,
    ) -> Status;
    pub fn napi_typeof(env: Env, value: Value, result: *mut i32) -> Status;
    pub fn napi_get_typedarray_info(
        env: Env,
        value: Value,
        kind: *mut i32,
        length: *mut usize,
        data: *mut *mut c_void,
        arraybuffer: *mut Value,
        byte_offset: *mut usize,
    ) -> Status;
    pub fn napi_get_value_double(env: Env, value: Value, result: *mut f64) -> Status;
    pub fn napi_get_value_bool(env: Env, value: Value, result: *mut bool) -> Status;
    pub fn napi_get_value_string_utf8(
        env: Env,
        value: Value,
        buf: *mut c_char,
        bufsize: usize,
        result: *mut usize,
    ) -> Status;
    pub fn napi_create_uint32(env: Env, value: u32, result: *mut Value) -> Status;
    pub fn napi_create_int32(env: Env, value: i32, result: *mut Value) -> Status;
    pub fn napi_create_double(env: Env, value: f64, result: *mut Value) -> Status;
    pub fn napi_get_boolean(env: Env, value: bool, result: *mut Value) -> Status;
    pub fn napi_get_undefined(env: Env, result: *mut Value) -> Status;
    pub fn napi_create_object(env: Env, result: *mut Value) -> Status;
    pub fn napi_create_string_utf8(
        env: Env,
        s: *const c_char,
        length: usize,
        result: *mut Value,
    ) -> Status;
    pub fn napi_create_error(env: Env, code: Value, msg: Value, result: *mut Value) -> Status;
    pub fn napi_throw(env: Env, error: Value) -> Status;
    pub fn napi_throw_error(env: Env, code: *const c_char, msg: *const c_char) -> Status;
    pub fn napi_throw_type_error(env: Env, code: *const c_char, msg: *const c_char) -> Status;
    pub fn napi_throw_range_error(env: Env, code: *const c_char, msg: *const c_char) -> Status;
    pub fn napi_is_exception_pending(env: Env, result: *mut bool) -> Status;
    pub fn napi_create_external(
        env: Env,
        data: *mut c_void,
        finalize: Option<Finalize>,
        hint: *mut c_void,
        result: *mut Value,
    ) -> Status;
    pub fn napi_get_value_external(env: Env, value: Value, result: *mut *mut c_void) -> Status;
    pub fn napi_type_tag_object(env: Env, value: Value, tag: *const TypeTag) -> Status;
    pub fn napi_check_object_type_tag(
        env: Env,
        value: Value,
        tag: *const TypeTag,
        result: *mut bool,
    ) -> Status;
    pub fn napi_create_external_arraybuffer(
        env: Env,
        data: *mut c_void,
        byte_length: usize,
        finalize: Option<Finalize>,
        hint: *mut c_void,
        result: *mut Value,
    ) -> Status;
    pub fn napi_create_typedarray(
        env: Env,
        kind: i32,
        length: usize,
        arraybuffer: Value,
        byte_offset: usize,
        result: *mut Value,
    ) -> Status;
}
