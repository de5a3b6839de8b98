//! Record batches as the TypeScript side passes them (ts/crypto/batch.ts): records back to back
//! in `data`, record `i` = `data[offsets[i], offsets[i + 1])`, `offsets` has `count + 1`
//! entries. Validated once per call, so the per-record loops that follow cannot go out of
//! bounds whatever JS passed in.

use crate::napi::{range_error, JsResult};

pub struct Records<'a> {
    data: &'a [u8],
    offsets: &'a [u32],
}

impl<'a> Records<'a> {
    /// Checks `count + 1 >= 1` offsets, non-decreasing, the last within `data`.
    pub fn new(data: &'a [u8], offsets: &'a [u32], what: &str) -> JsResult<Self> {
        let Some(&first) = offsets.first() else {
            return range_error(format!("{what} offsets need count + 1 >= 1 entries"));
        };
        let mut previous = first;
        for (index, &next) in offsets.iter().enumerate().skip(1) {
            if next < previous {
                return range_error(format!("{what} offsets decrease at index {index}"));
            }
            previous = next;
        }
        if previous as usize > data.len() {
            return range_error(format!(
                "{what} offsets run past the data ({previous} > {} bytes)",
                data.len()
            ));
        }
        Ok(Records { data, offsets })
    }

    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Record `index` (< count).
    pub fn get(&self, index: usize) -> &'a [u8] {
        &self.data[self.offsets[index] as usize..self.offsets[index + 1] as usize]
    }

    /// Where record `index` starts, relative to the first record.
    pub fn relative_start(&self, index: usize) -> usize {
        (self.offsets[index] - self.offsets[0]) as usize
    }

    /// Bytes from the first record's start to the last record's end.
    pub fn span_bytes(&self) -> usize {
        (self.offsets[self.count()] - self.offsets[0]) as usize
    }
}

/// Fails unless `out_len >= count * width` (an output slot of `width` bytes per record).
pub fn check_out(out_len: usize, count: usize, width: usize, what: &str) -> JsResult<()> {
    let needed = count.saturating_mul(width);
    if out_len < needed {
        return range_error(format!(
            "{what} needs {needed} bytes for {count} records, has {out_len}"
        ));
    }
    Ok(())
}
