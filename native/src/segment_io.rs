//! Page-aligned segment IO for Linux: `O_DIRECT` files written from 4 KiB-aligned buffers, so
//! log writes bypass the page cache and `fdatasync` only has to flush the device.
//!
//! - `alloc_aligned` memory comes from `std::alloc` with 4096 alignment and is handed to JS as
//!   an external ArrayBuffer; Node calls `free_aligned` when the GC collects it.
//! - Creating a segment goes through `<path>.creating`: pre-allocated (fallocate) and
//!   written with zeros, fsynced, then hard-linked to `path` (which fails rather than
//!   replace an existing file) and the directory fsynced. A crash leaves either no segment or
//!   a complete zeroed one, never a short file at `path`.
//! - Filesystems without `O_DIRECT` (tmpfs before Linux 6.6 answers EINVAL) get a buffered
//!   descriptor; `direct` records which one a file has. Alignment is enforced either way, so
//!   callers behave the same everywhere.
//!
//! Invariant: positions and lengths are multiples of 4096 and stay within `size_bytes`.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ffi::{c_int, c_void};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

pub const PAGE_BYTES: usize = 4096;
/// Zeros are written in pieces of this size when a segment is created.
const ZERO_PIECE_BYTES: usize = 1 << 20;

#[cfg(target_arch = "x86_64")]
const O_DIRECT: c_int = 0o40000;
#[cfg(target_arch = "aarch64")]
const O_DIRECT: c_int = 0o200000;

const EINVAL: i32 = 22;
const EEXIST: i32 = 17;
const EOPNOTSUPP: i32 = 95;

extern "C" {
    /// glibc; `off_t` is 64-bit on the 64-bit targets we build for.
    fn fallocate(fd: c_int, mode: c_int, offset: i64, len: i64) -> c_int;
}

/// A failed file operation: what we were doing, to which file, and why. Shaped like Node's own
/// fs errors (`code`, `errno`, `syscall`, `path`).
pub struct OsError {
    pub operation: &'static str,
    pub path: String,
    pub reason: String,
    /// The OS error number; None for a check of ours (a segment of the wrong size).
    pub errno: Option<i32>,
    pub code: &'static str,
}

impl OsError {
    fn new(operation: &'static str, path: &str, error: io::Error) -> OsError {
        let errno = error.raw_os_error();
        let code = errno.map_or("EIO", errno_code);
        OsError {
            operation,
            path: path.to_owned(),
            reason: error.to_string(),
            errno,
            code,
        }
    }

    pub fn message(&self) -> String {
        format!("{} {}: {}", self.operation, self.path, self.reason)
    }
}

/// Node-style code for the errno values segment IO can meet; `EIO` stands in for the rest.
fn errno_code(errno: i32) -> &'static str {
    match errno {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        9 => "EBADF",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        27 => "EFBIG",
        28 => "ENOSPC",
        30 => "EROFS",
        36 => "ENAMETOOLONG",
        95 => "EOPNOTSUPP",
        122 => "EDQUOT",
        _ => "EIO",
    }
}

/// A zeroed allocation of `size_bytes` (a positive multiple of 4096) aligned to 4096.
pub fn alloc_aligned(size_bytes: usize) -> Option<*mut u8> {
    let layout = Layout::from_size_align(size_bytes, PAGE_BYTES).ok()?;
    // SAFETY: size is positive (checked by the caller).
    let data = unsafe { alloc_zeroed(layout) };
    if data.is_null() {
        None
    } else {
        Some(data)
    }
}

/// Frees an `alloc_aligned` block; the size travels in `hint`.
///
/// # Safety
/// `data` came from `alloc_aligned(hint as usize)` and is freed once.
pub unsafe extern "C" fn free_aligned(
    _env: crate::napi::Env,
    data: *mut c_void,
    hint: *mut c_void,
) {
    dealloc(
        data.cast(),
        Layout::from_size_align_unchecked(hint as usize, PAGE_BYTES),
    );
}

/// An open segment file. `file` is `None` once closed.
pub struct SegmentFile {
    file: Option<File>,
    pub path: String,
    pub size_bytes: u64,
    pub direct: bool,
}

fn open_existing(path: &str, direct: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if direct {
        options.custom_flags(O_DIRECT);
    }
    options.open(path)
}

/// Opens `path` with O_DIRECT if the filesystem allows it. Returns the file and whether it is
/// direct.
fn open_direct_or_buffered(path: &str) -> io::Result<(File, bool)> {
    match open_existing(path, true) {
        Ok(file) => Ok((file, true)),
        Err(error) if error.raw_os_error() == Some(EINVAL) => {
            Ok((open_existing(path, false)?, false))
        }
        Err(error) => Err(error),
    }
}

fn preallocate(file: &File, size_bytes: u64, path: &str) -> Result<(), OsError> {
    // fallocate reserves every block now, so a full disk shows at creation, never mid-segment,
    // and the blocks read as zeros without being written (creating 256 MiB costs milliseconds,
    // and reading the unwritten rest of a segment at recovery costs no device IO). Their
    // extents stay "unwritten" until written; the segment log writes zeros a little ahead of
    // its appends, so the metadata change that converts them is paid once per stretch, not
    // on every synced append.
    // SAFETY: a valid descriptor; offsets within i64 (size checked by the caller).
    let result = unsafe { fallocate(file.as_raw_fd(), 0, 0, size_bytes as i64) };
    if result == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() != Some(EOPNOTSUPP) {
        return Err(OsError::new("fallocate", path, error));
    }
    // No fallocate here (some filesystems): write the zeros, which allocates the blocks too.
    let zeros = vec![0u8; ZERO_PIECE_BYTES];
    let mut position = 0u64;
    while position < size_bytes {
        let piece = (size_bytes - position).min(ZERO_PIECE_BYTES as u64) as usize;
        file.write_all_at(&zeros[..piece], position)
            .map_err(|e| OsError::new("write", path, e))?;
        position += piece as u64;
    }
    Ok(())
}

fn sync_directory_of(path: &str) -> Result<(), OsError> {
    let parent = match Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = parent.to_string_lossy();
    let directory = File::open(parent).map_err(|e| OsError::new("open", &name, e))?;
    directory
        .sync_all()
        .map_err(|e| OsError::new("fsync", &name, e))
}

/// Writes `staging` as a complete, zeroed, synced file of `size_bytes`.
fn build_staging(staging: &str, size_bytes: u64) -> Result<(), OsError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true) // a leftover from a crash during creation is started over
        .mode(0o644)
        .open(staging)
        .map_err(|e| OsError::new("create", staging, e))?;
    preallocate(&file, size_bytes, staging)?;
    // fsync, not fdatasync: the new length is metadata the file must not lose.
    file.sync_all()
        .map_err(|e| OsError::new("fsync", staging, e))
}

/// Creates `path` complete and zeroed (see the module comment). False when it already existed.
fn create(path: &str, size_bytes: u64) -> Result<bool, OsError> {
    let staging = format!("{path}.creating");
    let built = build_staging(&staging, size_bytes);
    let linked = built.and_then(|()| {
        std::fs::hard_link(&staging, path).map_err(|e| OsError::new("link", path, e))
    });
    // The staging name is never needed again, whatever happened.
    let _ = std::fs::remove_file(&staging);
    match linked {
        Ok(()) => {}
        Err(error) if error.errno == Some(EEXIST) && error.operation == "link" => return Ok(false),
        Err(error) => return Err(error),
    }
    sync_directory_of(path)?;
    Ok(true)
}

impl SegmentFile {
    /// Opens (with `create`, first creates) a segment file of exactly `size_bytes`.
    /// Opens a segment; `want_direct` false gives a buffered descriptor (logs synced only at
    /// checkpoints, whose unsynced writes should not wait for the device).
    pub fn open(
        path: &str,
        size_bytes: u64,
        create_missing: bool,
        want_direct: bool,
    ) -> Result<SegmentFile, OsError> {
        if create_missing && !Path::new(path).exists() {
            create(path, size_bytes)?;
        }
        let opened = if want_direct {
            open_direct_or_buffered(path)
        } else {
            open_existing(path, false).map(|file| (file, false))
        };
        let (file, direct) = opened.map_err(|e| OsError::new("open", path, e))?;
        let actual = file
            .metadata()
            .map_err(|e| OsError::new("stat", path, e))?
            .len();
        if actual != size_bytes {
            return Err(OsError {
                operation: "open",
                path: path.to_owned(),
                reason: format!(
                    "the segment file is {actual} bytes, expected exactly {size_bytes} \
                     (not a segment of this size, or truncated)"
                ),
                errno: None,
                code: "ERR_SEGMENT_SIZE",
            });
        }
        Ok(SegmentFile {
            file: Some(file),
            path: path.to_owned(),
            size_bytes,
            direct,
        })
    }

    fn file(&self) -> Result<&File, SegmentError> {
        let closed = || SegmentError::Closed(format!("segment file {} is closed", self.path));
        self.file.as_ref().ok_or_else(closed)
    }

    /// Checks alignment and bounds of a page transfer; Err is a caller's bug (RangeError).
    /// Writes must fit inside the segment; reads must start inside it and come back short at
    /// its end.
    pub fn check_pages(
        &self,
        address: usize,
        length: usize,
        position: u64,
        write: bool,
    ) -> Result<(), String> {
        let page = PAGE_BYTES as u64;
        if address % PAGE_BYTES != 0 {
            return Err("buffer must start on a 4096-byte boundary (use allocAligned)".into());
        }
        if length % PAGE_BYTES != 0 || position % page != 0 {
            return Err(format!(
                "buffer length ({length}) and positionBytes ({position}) must be multiples of 4096"
            ));
        }
        let end = position.saturating_add(length as u64);
        if write && end > self.size_bytes {
            return Err(format!(
                "a write of pages [{position}, {end}) runs past the {}-byte segment {}",
                self.size_bytes, self.path
            ));
        }
        if position > self.size_bytes {
            return Err(format!(
                "a read at {position} starts past the {}-byte segment {}",
                self.size_bytes, self.path
            ));
        }
        Ok(())
    }

    pub fn write(&self, data: &[u8], position: u64, sync: bool) -> Result<(), SegmentError> {
        let file = self.file()?;
        file.write_all_at(data, position)
            .map_err(|e| OsError::new("write", &self.path, e))?;
        if sync {
            self.sync()?;
        }
        Ok(())
    }

    /// Reads until `out` is full or the file ends; returns the bytes read.
    pub fn read(&self, out: &mut [u8], position: u64) -> Result<usize, SegmentError> {
        let file = self.file()?;
        let mut done = 0;
        while done < out.len() {
            match file.read_at(&mut out[done..], position + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(OsError::new("read", &self.path, error).into()),
            }
        }
        Ok(done)
    }

    /// fdatasync: the data written so far, and the metadata needed to read it, are durable.
    pub fn sync(&self) -> Result<(), SegmentError> {
        let file = self.file()?;
        file.sync_data()
            .map_err(|e| OsError::new("fdatasync", &self.path, e).into())
    }

    /// Closes the descriptor; later calls fail. Closing twice is allowed.
    pub fn close(&mut self) {
        self.file = None;
    }
}

/// Why a segment operation failed: the OS refused, or the file was already closed.
pub enum SegmentError {
    Os(OsError),
    Closed(String),
}

impl From<OsError> for SegmentError {
    fn from(error: OsError) -> SegmentError {
        SegmentError::Os(error)
    }
}
