namespace Sesame.Client;

/// <summary>There is no session (or it could not be refreshed) where the operation needs one.</summary>
public sealed class SessionExpiredException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionExpiredException()
        : base("No session exists")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SessionExpiredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SessionExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

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

/// <summary>A request must be re-sent after a refresh but its content is a stream that cannot be replayed
/// (<see cref="SessionRequestOptions.DoNotBufferContent"/>). The session was refreshed; send the request again with fresh content.</summary>
public sealed class NonReplayableContentException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonReplayableContentException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public NonReplayableContentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public NonReplayableContentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The sign-out endpoint answered <c>{"status":"GENERAL_ERROR","message":…}</c> (docs/protocol/refresh.md#session-operations).</summary>
public sealed class SesameGeneralException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SesameGeneralException()
    {
    }

    /// <summary>Creates the exception with the server's message.</summary>
    /// <param name="message">The server's message.</param>
    public SesameGeneralException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SesameGeneralException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
