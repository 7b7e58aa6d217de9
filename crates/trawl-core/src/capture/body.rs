//! Reading a response body: content decoding, the size cap, and streaming into the blob store.
//!
//! Decoding is done here rather than by reqwest because reqwest's decoder deletes the
//! `Content-Encoding` and `Content-Length` headers and reorders the rest, and the capture must
//! record headers as the server sent them. Chunks are decoded as they arrive through a chain of
//! write-side decoders ending in a sink that refuses bytes past the cap, so a 10 GB body or a
//! gzip bomb never occupies more memory than the cap (and nothing at all when only streamed
//! to disk). A body cut by the cap, a broken connection or a deadline is marked truncated.

use std::future::Future;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use tokio::time::Instant;

use crate::blobs::{BlobRef, BlobStore, BlobWriter};

/// How many leading bytes are always kept, for sniffing.
pub(crate) const HEAD_LEN: usize = 1024;

/// What to do with a body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyPlan {
    /// Decoded bytes past this are dropped and the body is marked truncated.
    pub cap: u64,
    /// Keep the decoded bytes in memory (HTML to parse, icons to check).
    pub keep: bool,
    /// Stream the decoded bytes into the blob store.
    pub store: bool,
}

/// A body as read.
#[derive(Debug, Default)]
pub(crate) struct BodyOutcome {
    /// All decoded bytes when `keep`, else the first [`HEAD_LEN`] bytes.
    pub bytes: Vec<u8>,
    /// The stored blob when `store`.
    pub blob: Option<BlobRef>,
    /// Cut by the cap or by an error.
    pub truncated: bool,
    /// Why reading or decoding stopped early, if it did for a reason other than the cap.
    pub error: Option<String>,
}

struct Sink {
    plan: BodyPlan,
    bytes: Vec<u8>,
    writer: Option<BlobWriter>,
    size: u64,
    capped: bool,
}

impl Sink {
    fn accept(&mut self, data: &[u8]) -> io::Result<()> {
        let room = self.plan.cap.saturating_sub(self.size);
        let take = data.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let part = &data[..take];

        if self.plan.keep {
            self.bytes.extend_from_slice(part);
        } else if self.bytes.len() < HEAD_LEN {
            let want = (HEAD_LEN - self.bytes.len()).min(part.len());
            self.bytes.extend_from_slice(&part[..want]);
        }
        if let Some(writer) = &mut self.writer {
            writer.write_chunk(part)?;
        }
        self.size += take as u64;

        if take < data.len() {
            self.capped = true;
            return Err(io::Error::other("body size cap reached"));
        }
        Ok(())
    }
}

/// The end of the decoder chain.
#[derive(Clone)]
struct SharedSink(Arc<Mutex<Sink>>);

impl Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .accept(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// HTTP `deflate` is meant to be zlib-wrapped but is often raw DEFLATE; decide from the first
/// two bytes, as browsers do.
struct AutoDeflate<W: Write> {
    pending: Vec<u8>,
    inner: Option<W>,
    decoder: Option<Box<dyn Write + Send>>,
}

impl<W: Write + Send + 'static> Write for AutoDeflate<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(decoder) = &mut self.decoder {
            decoder.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 2 {
            self.start()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.decoder.is_none() && !self.pending.is_empty() {
            self.start()?;
        }
        match &mut self.decoder {
            Some(decoder) => decoder.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Write + Send + 'static> AutoDeflate<W> {
    fn start(&mut self) -> io::Result<()> {
        let inner = self
            .inner
            .take()
            .ok_or_else(|| io::Error::other("decoder restarted"))?;
        let header = u16::from_be_bytes([self.pending[0], *self.pending.get(1).unwrap_or(&0)]);
        let zlib = self.pending[0] & 0x0f == 8 && header.is_multiple_of(31);
        let mut decoder: Box<dyn Write + Send> = if zlib {
            Box::new(ZlibDecoder::new(inner))
        } else {
            Box::new(DeflateDecoder::new(inner))
        };
        decoder.write_all(&std::mem::take(&mut self.pending))?;
        self.decoder = Some(decoder);
        Ok(())
    }
}

/// Builds the decoder chain for a `Content-Encoding` value. Unknown codings leave the body
/// stored as sent, with a note.
fn decoder_chain(
    content_encoding: Option<&str>,
    sink: SharedSink,
) -> (Box<dyn Write + Send>, Option<String>) {
    let codings: Vec<String> = content_encoding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if let Some(unknown) = codings
        .iter()
        .find(|c| !matches!(c.as_str(), "gzip" | "x-gzip" | "deflate" | "br"))
    {
        let note = format!("content-encoding {unknown} not supported; body stored as sent");
        return (Box::new(sink), Some(note));
    }

    // The server applied the codings in order, so the last one is undone first.
    let mut writer: Box<dyn Write + Send> = Box::new(sink);
    for coding in &codings {
        writer = match coding.as_str() {
            "gzip" | "x-gzip" => Box::new(GzDecoder::new(writer)),
            "deflate" => Box::new(AutoDeflate {
                pending: Vec::new(),
                inner: Some(writer),
                decoder: None,
            }),
            _ => Box::new(brotli_decompressor::DecompressorWriter::new(writer, 8192)),
        };
    }
    (writer, None)
}

/// A response body arriving in chunks.
pub(crate) trait ChunkSource: Send {
    /// The next chunk, `None` at the end.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, String>> + Send;
}

impl ChunkSource for reqwest::Response {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        self.chunk().await.map_err(|e| error_chain(&e))
    }
}

/// Reads a body according to `plan`, undoing `content_encoding`, giving up at `deadline`.
pub(crate) async fn read_body(
    source: &mut impl ChunkSource,
    content_encoding: Option<&str>,
    plan: BodyPlan,
    blobs: &BlobStore,
    deadline: Instant,
) -> BodyOutcome {
    let writer = if plan.store {
        match blobs.writer() {
            Ok(writer) => Some(writer),
            Err(e) => return failed(format!("cannot write to the blob store: {e}")),
        }
    } else {
        None
    };
    let sink = Arc::new(Mutex::new(Sink {
        plan,
        bytes: Vec::new(),
        writer,
        size: 0,
        capped: false,
    }));
    let (mut decoder, mut error) = decoder_chain(content_encoding, SharedSink(sink.clone()));
    let mut incomplete = false;

    loop {
        let chunk = match tokio::time::timeout_at(deadline, source.next_chunk()).await {
            Err(_) => {
                error = Some("timed out reading the body".to_owned());
                incomplete = true;
                break;
            }
            Ok(Err(e)) => {
                error = Some(format!("reading the body failed: {e}"));
                incomplete = true;
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        if let Err(e) = decoder.write_all(&chunk) {
            if !capped(&sink) {
                error = Some(format!("decoding the body failed: {e}"));
                incomplete = true;
            }
            break;
        }
    }
    if let Err(e) = decoder.flush()
        && !capped(&sink)
        && error.is_none()
    {
        error = Some(format!("decoding the body failed: {e}"));
        incomplete = true;
    }
    drop(decoder);

    let sink = match Arc::try_unwrap(sink) {
        Ok(mutex) => mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
        Err(_) => return failed("body decoder still referenced".to_owned()),
    };
    finish(sink, incomplete, error)
}

fn finish(sink: Sink, incomplete: bool, error: Option<String>) -> BodyOutcome {
    let mut outcome = BodyOutcome {
        bytes: sink.bytes,
        blob: None,
        truncated: sink.capped || incomplete,
        error,
    };
    if let Some(writer) = sink.writer {
        match writer.finish() {
            Ok(blob) => outcome.blob = Some(blob),
            Err(e) => outcome.error = Some(format!("cannot write to the blob store: {e}")),
        }
    }
    outcome
}

fn capped(sink: &Arc<Mutex<Sink>>) -> bool {
    sink.lock().unwrap_or_else(PoisonError::into_inner).capped
}

fn failed(message: String) -> BodyOutcome {
    BodyOutcome {
        truncated: true,
        error: Some(message),
        ..Default::default()
    }
}

/// An error with its sources, which is where reqwest puts the useful part.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{GzEncoder, ZlibEncoder};

    fn decode(encoding: Option<&str>, input: &[u8], cap: u64) -> (Vec<u8>, bool, Option<String>) {
        let plan = BodyPlan {
            cap,
            keep: true,
            store: false,
        };
        let sink = Arc::new(Mutex::new(Sink {
            plan,
            bytes: Vec::new(),
            writer: None,
            size: 0,
            capped: false,
        }));
        let (mut decoder, note) = decoder_chain(encoding, SharedSink(sink.clone()));
        let result = input
            .chunks(7)
            .try_for_each(|c| decoder.write_all(c))
            .and_then(|_| decoder.flush());
        drop(decoder);
        let sink = Arc::try_unwrap(sink).ok().unwrap().into_inner().unwrap();
        let error = result
            .err()
            .filter(|_| !sink.capped)
            .map(|e| e.to_string())
            .or(note);
        (sink.bytes, sink.capped, error)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_zlib_and_raw_deflate_decode() {
        let text = b"<html>hello hello hello</html>";
        assert_eq!(decode(Some("gzip"), &gzip(text), 1000).0, text);

        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(text).unwrap();
        assert_eq!(
            decode(Some("deflate"), &zlib.finish().unwrap(), 1000).0,
            text
        );

        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(text).unwrap();
        assert_eq!(
            decode(Some("Deflate"), &raw.finish().unwrap(), 1000).0,
            text
        );
    }

    #[test]
    fn stacked_codings_are_undone_in_reverse() {
        let text = b"twice compressed";
        let twice = gzip(&gzip(text));
        assert_eq!(decode(Some("gzip, gzip"), &twice, 1000).0, text);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        let zeros = vec![0u8; 4 << 20];
        let bomb = gzip(&zeros);
        let (bytes, capped, error) = decode(Some("gzip"), &bomb, 64 * 1024);

        assert_eq!(bytes.len(), 64 * 1024);
        assert!(capped);
        assert_eq!(error, None);
    }

    #[test]
    fn unknown_codings_keep_the_bytes_as_sent() {
        let (bytes, _, note) = decode(Some("zstd"), b"\x28\xb5\x2f\xfd", 100);
        assert_eq!(bytes, b"\x28\xb5\x2f\xfd");
        assert!(note.unwrap().contains("zstd"));
    }

    #[test]
    fn corrupt_gzip_is_reported() {
        let (_, capped, error) = decode(Some("gzip"), b"\x1f\x8b\x08\x00garbage-garbage", 100);
        assert!(!capped);
        assert!(error.is_some());
    }
}
