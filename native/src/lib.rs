//! Kimberlite's N-API addon: CRC-32C, SHA-256, BLAKE3, HMAC-SHA256, AES-256-GCM, Ed25519 and
//! page-aligned segment IO for the TypeScript backends in ts/crypto/*/native.ts and
//! ts/storage/segment_io/native.ts (typed in ts/platform/native_addon.ts).
//!
//! No crates: Node-API (napi.rs) and OpenSSL (openssl.rs) are declared by hand and resolve
//! from the `node` binary at load time. Every exported function takes its inputs and a
//! caller-allocated output, checks them, and covers a whole batch per call.

// `x % n != 0` rather than `is_multiple_of` (Rust 1.87) keeps older toolchains building this.
#![allow(clippy::manual_is_multiple_of)]

mod aes_gcm;
mod batch;
mod bind_crypto;
mod bind_hash;
mod bind_segment;
mod blake3;
#[cfg(target_arch = "x86_64")]
mod blake3_avx2;
mod crc32c;
mod ed25519;
mod hmac;
mod napi;
mod openssl;
mod segment_io;
mod sha256;

use napi::{Env, JsResult, Value};

/// Bumped whenever an exported function changes shape; the TypeScript loader refuses an addon
/// built from other sources (a stale build) instead of calling it wrongly.
const ABI_VERSION: u32 = 1;

/// The Node-API version the addon needs: 8 adds type tags, which guard our handles.
const NAPI_VERSION: i32 = 8;

fn abi_version(env: Env, _args: &napi::Args) -> JsResult<Value> {
    napi::uint32(env, ABI_VERSION)
}

fn register(env: Env, exports: Value) -> JsResult<()> {
    napi::export(env, exports, "abiVersion", abi_version)?;
    bind_hash::register(env, exports)?;
    bind_crypto::register(env, exports)?;
    bind_segment::register(env, exports)?;
    Ok(())
}

/// Called by Node once per environment (main thread and each worker) that loads the addon.
/// All state is per call or per handle, so environments share nothing.
///
/// # Safety
/// Called by Node with a live env and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: Env, exports: Value) -> Value {
    let error = match std::panic::catch_unwind(|| register(env, exports)) {
        Ok(Ok(())) => return exports,
        Ok(Err(error)) => error,
        Err(_) => napi::JsError::Plain("registering the Kimberlite addon panicked".into()),
    };
    // Returning null with an exception pending makes `require()` throw it.
    napi::throw(env, error);
    std::ptr::null_mut()
}

/// Tells Node which Node-API version the addon was written against.
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    NAPI_VERSION
}
