//! Files beside the database: opening one safely (no symlinks, regular files only, never
//! blocking; a folder of another user or a link refused), reading a file without leaving a
//! trace, and saying why a file could not be opened (SQLite reports every such failure as
//! "unable to open database file"; the OS knows better).

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::Error;

/// `path` with `suffix` appended (`-wal`, `-shm`, `-journal`).
pub(super) fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// How [`open_beside`] opens a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beside {
    /// For writing; the file must exist.
    Write,
    /// For writing, created (mode 600 on Unix) if missing.
    WriteOrCreate,
}

/// Opens a file beside the database (a wake-up bell, a backup) as its owner's processes
/// expect and no one else can subvert on a folder shared between OS users: a symlink is not
/// followed (`O_NOFOLLOW`), a FIFO or device never blocks the opener (`O_NONBLOCK`) and is
/// refused after the open (only regular files), and nothing is truncated by the open itself.
pub(crate) fn open_beside(path: &Path, how: Beside) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if how == Beside::WriteOrCreate {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        options.custom_flags(flags.bits() as i32).mode(0o600);
    }
    let file = options.open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// Whether `dir` is a real folder (not a link to one) owned by this process's user: only
/// then are files in it trusted to be what their names say. Creates it (mode 700) if
/// missing and `create` is set.
pub(crate) fn own_folder(dir: &Path, create: bool) -> bool {
    if create {
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        let _ = builder.create(dir);
    }
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    if !meta.file_type().is_dir() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw()
    }
    #[cfg(not(unix))]
    true
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// A WAL-mode file (header bytes 18-19 are 2) with neither `-wal` nor `-shm` beside it: every
/// committed page is in the main file, but any ordinary read would create both side files
/// (and a read-only connection could not remove them again).
pub(super) fn wal_without_side_files(path: &Path) -> bool {
    let mut header = [0u8; 20];
    let is_wal = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map(|()| header.starts_with(b"SQLite format 3\0") && header[18] == 2 && header[19] == 2)
        .unwrap_or(false);
    is_wal && !exists(&side_file(path, "-wal")) && !exists(&side_file(path, "-shm"))
}

/// Opens `path` with `immutable=1`: no locks, no side files, no writes. Sound only while no
/// `-wal` exists, i.e. the main file holds the whole database (see `wal_without_side_files`).
pub(super) fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Whether SQLite failed to open or to start reading the file (as opposed to a query error).
pub(super) fn is_access_failure(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied)
            | Some(ErrorCode::SystemIoFailure)
    )
}

/// Maps an error met while opening `path` to one that names the real file and cause.
pub(super) fn open_error(path: &Path, create: bool, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotAgorDatabase {
            path: path.to_owned(),
            reason: "it is not an SQLite database".into(),
        },
        _ if is_access_failure(&e) => diagnose(path, create)
            .unwrap_or_else(|| crate::storage::sqlite::errors::storage_error(e)),
        _ => crate::storage::sqlite::errors::storage_error(e),
    }
}

/// Finds which of the files SQLite needs cannot be used, and why, by asking the OS directly.
/// `create`: the file was opened with permission to create it.
fn diagnose(path: &Path, create: bool) -> Option<Error> {
    let io = |p: &Path, source: std::io::Error| Error::Io {
        path: p.to_owned(),
        source,
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Err(e) = std::fs::metadata(folder) {
        return Some(io(folder, e));
    }
    match std::fs::symlink_metadata(path) {
        Ok(_) => {}
        // A folder we may not list is the likelier culprit than the file itself.
        Err(e) => {
            return Some(match std::fs::read_dir(folder) {
                Err(folder_err) => io(folder, folder_err),
                Ok(_) if e.kind() == std::io::ErrorKind::NotFound && create => io(
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        "the database file does not exist and could not be created \
                         (is the folder writable?)",
                    ),
                ),
                Ok(_) => io(path, e),
            })
        }
    }
    for file in [
        path.to_owned(),
        side_file(path, "-wal"),
        side_file(path, "-shm"),
    ] {
        if exists(&file) {
            if let Err(e) = std::fs::File::open(&file) {
                return Some(io(&file, e));
            }
        }
    }
    let shm = side_file(path, "-shm");
    if !exists(&shm) {
        // A WAL file is read through its -shm index; SQLite creates it next to the file.
        let reason = if exists(&side_file(path, "-wal")) {
            "its -wal file holds data, but the -shm file it needs is missing and could not be \
             created (is the folder writable?)"
        } else {
            "the -shm file a WAL database needs is missing and could not be created \
             (is the folder writable?)"
        };
        return Some(Error::ReadOnly {
            path: path.to_owned(),
            reason: reason.into(),
        });
    }
    None
}
