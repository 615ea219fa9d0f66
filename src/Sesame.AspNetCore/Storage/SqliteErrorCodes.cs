namespace Sesame.AspNetCore.Storage;

/// <summary>SQLite primary result codes (https://www.sqlite.org/rescode.html) the store reacts to.</summary>
internal static class SqliteErrorCodes
{
    /// <summary>SQLITE_BUSY: another connection holds the lock past the busy timeout.</summary>
    public const int Busy = 5;

    /// <summary>SQLITE_LOCKED: a conflict inside the same connection or shared cache.</summary>
    public const int Locked = 6;

    /// <summary>SQLITE_READONLY: the file or its folder cannot be written.</summary>
    public const int ReadOnly = 8;

    /// <summary>SQLITE_IOERR: the operating system reported an I/O error.</summary>
    public const int IoError = 10;

    /// <summary>SQLITE_FULL: the disk is full.</summary>
    public const int Full = 13;

    /// <summary>SQLITE_CANTOPEN: the file cannot be opened.</summary>
    public const int CantOpen = 14;
}
