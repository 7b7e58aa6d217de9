//! Content-addressed blob store: captured HTML, asset bodies, icons and screenshots on disk.
//!
//! A blob lives at `<root>/ab/cd/<sha256>` where `abcd` are the first four hex digits of its
//! SHA-256. Writes go to a temporary file under `<root>/.tmp` and are renamed into place, so a
//! reader never sees a half-written blob and writing the same bytes twice is harmless. The store
//! computes MD5 and SHA-256 while writing; callers get both in the returned [`BlobRef`].
//!
//! The store does no garbage collection and keeps no index: the database references blobs by
//! hash. I/O errors are returned as `std::io::Error`; nothing is retried.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A stored blob: its identity (SHA-256), its MD5 (for pivots with other tools) and its size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobRef {
    /// Lower-case hex SHA-256 of the bytes; also the file name.
    pub sha256: String,
    /// Lower-case hex MD5 of the bytes.
    pub md5: String,
    /// Number of bytes.
    pub size: u64,
}

/// A directory of content-addressed files.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens (and lazily creates) a store rooted at `root`, usually `<data_dir>/blobs`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stores `bytes` and returns their reference; storing the same bytes again is a no-op.
    pub fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        let mut writer = self.writer()?;
        writer.write_chunk(bytes)?;
        writer.finish()
    }

    /// Starts a streaming write: feed chunks with [`BlobWriter::write_chunk`], then `finish`.
    pub fn writer(&self) -> io::Result<BlobWriter> {
        let tmp_dir = self.root.join(".tmp");
        fs::create_dir_all(&tmp_dir)?;
        let tmp_path = tmp_dir.join(format!("{:016x}", rand::random::<u64>()));
        let file = File::create(&tmp_path)?;
        Ok(BlobWriter {
            store: self.clone(),
            tmp_path,
            file: Some(BufWriter::new(file)),
            sha256: Sha256::new(),
            md5: Md5::new(),
            size: 0,
        })
    }

    /// Where the blob's file is (whether or not it exists).
    pub fn path(&self, blob: &BlobRef) -> PathBuf {
        self.path_for_hash(&blob.sha256)
    }

    /// Opens the blob's file for reading.
    pub fn open(&self, blob: &BlobRef) -> io::Result<File> {
        File::open(self.path(blob))
    }

    /// Reads the whole blob into memory.
    pub fn read(&self, blob: &BlobRef) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(blob.size).unwrap_or(0));
        self.open(blob)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Whether the blob is present.
    pub fn contains(&self, blob: &BlobRef) -> bool {
        self.path(blob).is_file()
    }

    fn path_for_hash(&self, sha256: &str) -> PathBuf {
        // Hashes are produced by this module (64 hex digits); guard against odd input anyway.
        let a = sha256.get(0..2).unwrap_or("xx");
        let b = sha256.get(2..4).unwrap_or("xx");
        self.root.join(a).join(b).join(sha256)
    }
}

/// A blob being written: hashes the bytes as they stream through, holding none of them.
///
/// Dropping a writer without calling [`BlobWriter::finish`] removes its temporary file.
pub struct BlobWriter {
    store: BlobStore,
    tmp_path: PathBuf,
    file: Option<BufWriter<File>>,
    sha256: Sha256,
    md5: Md5,
    size: u64,
}

impl BlobWriter {
    /// Appends a chunk.
    pub fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer finished"))?;
        file.write_all(chunk)?;
        self.sha256.update(chunk);
        self.md5.update(chunk);
        self.size += chunk.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes, moves the file into place and returns its reference.
    pub fn finish(mut self) -> io::Result<BlobRef> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("blob writer finished"))?;
        // Flushed but not fsynced: captures write many small blobs and a lost blob after a
        // power cut costs one re-capture.
        file.into_inner().map_err(|e| e.into_error())?;

        let blob = BlobRef {
            sha256: hex::encode(self.sha256.finalize_reset()),
            md5: hex::encode(self.md5.finalize_reset()),
            size: self.size,
        };
        let final_path = self.store.path(&blob);
        if final_path.is_file() {
            // Same content already stored: keep the existing file.
            let _ = fs::remove_file(&self.tmp_path);
            return Ok(blob);
        }
        if let Some(parent) = final_path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(&self.tmp_path, &final_path)?;
        Ok(blob)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.is_some() {
            self.file = None;
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        (dir, store)
    }

    #[test]
    fn put_addresses_by_sha256_and_reports_md5() {
        let (_dir, store) = store();
        let blob = store.put(b"hello").unwrap();

        assert_eq!(
            blob.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(blob.md5, "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(blob.size, 5);
        let expected = store.root().join("2c").join("f2").join(&blob.sha256);
        assert_eq!(store.path(&blob), expected);
        assert_eq!(store.read(&blob).unwrap(), b"hello");
    }

    #[test]
    fn put_is_idempotent_and_leaves_no_temp_files() {
        let (_dir, store) = store();
        let first = store.put(b"same bytes").unwrap();
        let second = store.put(b"same bytes").unwrap();

        assert_eq!(first, second);
        let leftovers = fs::read_dir(store.root().join(".tmp")).unwrap().count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn streaming_writer_matches_put() {
        let (_dir, store) = store();
        let mut writer = store.writer().unwrap();
        for chunk in [&b"hel"[..], b"", b"lo"] {
            writer.write_chunk(chunk).unwrap();
        }
        assert_eq!(writer.size(), 5);
        let streamed = writer.finish().unwrap();

        assert_eq!(streamed, store.put(b"hello").unwrap());
        assert!(store.contains(&streamed));
    }

    #[test]
    fn empty_blob_is_storable() {
        let (_dir, store) = store();
        let blob = store.put(b"").unwrap();
        assert_eq!(
            blob.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(store.read(&blob).unwrap(), b"");
    }

    #[test]
    fn dropped_writer_removes_its_temp_file() {
        let (_dir, store) = store();
        let mut writer = store.writer().unwrap();
        writer.write_chunk(b"abandoned").unwrap();
        drop(writer);

        let leftovers = fs::read_dir(store.root().join(".tmp")).unwrap().count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn blob_ref_round_trips_through_json() {
        let (_dir, store) = store();
        let blob = store.put(b"json").unwrap();
        let text = serde_json::to_string(&blob).unwrap();
        assert_eq!(serde_json::from_str::<BlobRef>(&text).unwrap(), blob);
    }
}
