namespace Sesame.Client;

/// <summary>The refresh protocol cannot go on: retry limit reached, <c>front-token</c> missing from a successful refresh, or the
/// session state unreadable after a successful refresh (docs/protocol/refresh.md#refresh-request). The message says which and what to check.</summary>
public sealed class SessionRefreshException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionRefreshException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SessionRefreshException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SessionRefreshException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
