namespace Sesame.Client;

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
