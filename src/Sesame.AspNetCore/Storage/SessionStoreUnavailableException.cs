namespace Sesame.AspNetCore.Storage;

/// <summary>Thrown by a store when its database cannot be reached or timed out. Maps to HTTP 503, never to a sign-out.</summary>
public sealed class SessionStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionStoreUnavailableException() : base("The session store is unavailable.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public SessionStoreUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The database's error.</param>
    public SessionStoreUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
