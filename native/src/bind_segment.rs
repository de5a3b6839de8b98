//! JS-facing functions for page-aligned segment IO (see segment_io.rs). OS failures become JS
//! `Error`s whose message names the operation, the path and the errno text, with `code`
//! (`ENOENT`...) and `errno`; misuse (unaligned buffers, pages past the end) is a RangeError.

use crate::napi::*;
use crate::segment_io::{self, OsError, SegmentError, SegmentFile, PAGE_BYTES};

pub fn register(env: Env, exports: Value) -> JsResult<()> {
    export(env, exports, "allocAligned", alloc_aligned)?;
    export(env, exports, "segmentOpen", segment_open)?;
    export(env, exports, "segmentWritePages", segment_write_pages)?;
    export(env, exports, "segmentReadPages", segment_read_pages)?;
    export(env, exports, "segmentSync", segment_sync)?;
    export(env, exports, "segmentClose", segment_close)?;
    Ok(())
}

static SEGMENT_TAG: TypeTag = TypeTag {
    lower: 0x6b69_6d62_0003_0001,
    upper: 0x5345_474d_454e_0001,
};

/// Largest aligned buffer or segment: 2^40 bytes, far past any limit, well inside i64 / f64.
const SIZE_BYTES_MAX: u64 = 1 << 40;

fn os_error(error: OsError) -> JsError {
    let message = error.message();
    let OsError {
        operation,
        path,
        errno,
        code,
        ..
    } = error;
    JsError::Os {
        message,
        code,
        syscall: operation,
        path,
        errno,
    }
}

fn segment_error(error: SegmentError) -> JsError {
    match error {
        SegmentError::Os(error) => os_error(error),
        SegmentError::Closed(message) => JsError::Plain(message),
    }
}

fn page_multiple(args: &Args, index: usize, name: &str) -> JsResult<u64> {
    let value = args.integer(index, name, SIZE_BYTES_MAX)?;
    if value == 0 || value % PAGE_BYTES as u64 != 0 {
        return range_error(format!(
            "{name} must be a positive multiple of 4096, got {value}"
        ));
    }
    Ok(value)
}

/// allocAligned(sizeBytes): a zeroed Uint8Array whose memory starts on a 4096-byte boundary.
fn alloc_aligned(env: Env, args: &Args) -> JsResult<Value> {
    let size = page_multiple(args, 0, "sizeBytes")? as usize;
    let Some(data) = segment_io::alloc_aligned(size) else {
        return Err(JsError::Plain(format!(
            "allocAligned: out of memory for {size} bytes"
        )));
    };
    let hint = size as *mut std::ffi::c_void;
    // SAFETY: data is a fresh allocation of `size` bytes; free_aligned frees it with that size.
    match unsafe { new_external_uint8array(env, data, size, segment_io::free_aligned, hint) } {
        Ok(array) => Ok(array),
        Err((error, owned_by_node)) => {
            if !owned_by_node {
                // SAFETY: Node never took the allocation, so it is freed here, once.
                unsafe { segment_io::free_aligned(env, data.cast(), hint) };
            }
            Err(error)
        }
    }
}

/// segmentOpen(path, sizeBytes, create, direct): { handle, direct }
fn segment_open(env: Env, args: &Args) -> JsResult<Value> {
    let path = args.string(0, "path")?;
    let size = page_multiple(args, 1, "sizeBytes")?;
    let create = args.boolean(2, "create")?;
    let want_direct = args.boolean(3, "direct")?;
    let file = SegmentFile::open(&path, size, create, want_direct).map_err(os_error)?;
    let direct = file.direct;
    let handle = new_external(env, Box::new(file), &SEGMENT_TAG)?;
    let direct = boolean(env, direct)?;
    object(env, &[("handle", handle), ("direct", direct)])
}

fn segment<'a>(args: &Args) -> JsResult<&'a mut SegmentFile> {
    // SAFETY: the tag guarantees the handle boxes a SegmentFile.
    unsafe { args.external::<SegmentFile>(0, &SEGMENT_TAG, "segment") }
}

/// (buffer, positionBytes) of a page transfer, alignment and bounds checked.
fn pages(args: &Args, file: &SegmentFile, write: bool) -> JsResult<(Bytes, u64)> {
    let buffer = args.bytes(1, "buffer")?;
    let position = args.integer(2, "positionBytes", SIZE_BYTES_MAX)?;
    file.check_pages(buffer.address(), buffer.len, position, write)
        .map_err(JsError::Range)?;
    Ok((buffer, position))
}

/// segmentWritePages(handle, buffer, positionBytes, sync)
fn segment_write_pages(env: Env, args: &Args) -> JsResult<Value> {
    let file = segment(args)?;
    let (buffer, position) = pages(args, file, true)?;
    let sync = args.boolean(3, "sync")?;
    // SAFETY: read-only view for this call.
    file.write(unsafe { buffer.slice() }, position, sync)
        .map_err(segment_error)?;
    undefined(env)
}

/// segmentReadPages(handle, buffer, positionBytes): bytes read (less at the end of the file)
fn segment_read_pages(env: Env, args: &Args) -> JsResult<Value> {
    let file = segment(args)?;
    let (buffer, position) = pages(args, file, false)?;
    // SAFETY: the only view of this buffer during the call (the file state is Rust-owned).
    let read = file
        .read(unsafe { buffer.slice_mut() }, position)
        .map_err(segment_error)?;
    // Bounded by the segment size (below 2^40), so exact as a double.
    double(env, read as f64)
}

/// segmentSync(handle): fdatasync
fn segment_sync(env: Env, args: &Args) -> JsResult<Value> {
    segment(args)?.sync().map_err(segment_error)?;
    undefined(env)
}

/// segmentClose(handle): closes the descriptor now (the GC would otherwise, eventually).
fn segment_close(env: Env, args: &Args) -> JsResult<Value> {
    segment(args)?.close();
    undefined(env)
}
