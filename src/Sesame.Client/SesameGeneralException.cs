namespace Sesame.Client;

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
