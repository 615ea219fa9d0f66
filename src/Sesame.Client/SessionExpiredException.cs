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
