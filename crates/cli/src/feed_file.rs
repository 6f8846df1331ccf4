//! Feed files as they arrive, plain or compressed with gzip: a source's
//! extract of a few million records is often sent compressed, and the
//! national feeds take a fifth of the disk that way. A compressed file is
//! known by its first two bytes, whatever it is called.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

/// The two bytes every gzip member starts with (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUFFER: usize = 1 << 17;

/// The feed's bytes, decompressed if they are compressed. Progress read
/// from `inner` counts the bytes as stored.
pub fn decompressed<R: Read + Send + 'static>(inner: R) -> io::Result<Box<dyn BufRead + Send>> {
    let mut inner = BufReader::with_capacity(BUFFER, inner);
    let compressed = inner.fill_buf()?.starts_with(&GZIP_MAGIC);
    Ok(match compressed {
        true => Box::new(BufReader::with_capacity(BUFFER, MultiGzDecoder::new(inner))),
        false => Box::new(inner),
    })
}

/// How the generator writes its feeds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    Gzip,
}

impl Compression {
    /// Gzip when asked for, else none.
    pub fn when(gzip: bool) -> Self {
        match gzip {
            true => Self::Gzip,
            false => Self::None,
        }
    }

    /// The name a feed is written under.
    pub fn file_name(self, name: &str) -> String {
        match self {
            Self::None => name.to_owned(),
            Self::Gzip => format!("{name}.gz"),
        }
    }
}

/// The feed called `name` in `dir`: the compressed one, if it is there.
pub fn find(dir: &Path, name: &str) -> PathBuf {
    let compressed = dir.join(Compression::Gzip.file_name(name));
    match compressed.exists() {
        true => compressed,
        false => dir.join(name),
    }
}

/// A feed file being written, compressed or not.
pub enum FeedWriter {
    Plain(BufWriter<File>),
    /// Buffered before the encoder: it compresses each write it is handed,
    /// and the generator writes a record in many small pieces.
    Gzip(BufWriter<GzEncoder<File>>),
}

impl FeedWriter {
    pub fn create(path: &Path, compression: Compression) -> io::Result<Self> {
        let file = File::create(path)?;
        Ok(match compression {
            Compression::None => Self::Plain(BufWriter::with_capacity(BUFFER, file)),
            // The fastest level: a sixth of the size.
            Compression::Gzip => Self::Gzip(BufWriter::with_capacity(
                BUFFER,
                GzEncoder::new(file, flate2::Compression::fast()),
            )),
        })
    }

    /// Writes out everything, the gzip trailer included.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Self::Plain(mut file) => file.flush(),
            Self::Gzip(buffered) => buffered
                .into_inner()
                .map_err(|e| e.into_error())?
                .finish()?
                .flush(),
        }
    }
}

impl Write for FeedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(file) => file.write(bytes),
            Self::Gzip(encoder) => encoder.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(file) => file.flush(),
            Self::Gzip(encoder) => encoder.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "source_record_id,family_name\nA1,Okonkwo\nA2,Smith\n";

    fn written(compression: Compression) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(compression.file_name("feed.csv"));
        let mut out = FeedWriter::create(&path, compression).unwrap();
        out.write_all(LINES.as_bytes()).unwrap();
        out.finish().unwrap();
        (dir, path)
    }

    fn read_back(path: &Path) -> String {
        let mut text = String::new();
        decompressed(File::open(path).unwrap())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn a_compressed_feed_reads_as_the_plain_one() {
        let (_dir, path) = written(Compression::Gzip);

        assert_ne!(std::fs::read(&path).unwrap(), LINES.as_bytes());
        assert_eq!(read_back(&path), LINES);
    }

    #[test]
    fn a_plain_feed_reads_unchanged() {
        let (_dir, path) = written(Compression::None);

        assert_eq!(read_back(&path), LINES);
    }

    #[test]
    fn a_compressed_feed_is_found_before_a_plain_one_of_the_same_name() {
        let (dir, path) = written(Compression::Gzip);

        assert_eq!(find(dir.path(), "feed.csv"), path);
        assert_eq!(find(dir.path(), "other.csv"), dir.path().join("other.csv"));
    }
}
