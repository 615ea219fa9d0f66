#if !NET9_0_OR_GREATER
namespace Sesame.Client;

/// <summary>.NET 8 stand-ins for the <see cref="HttpContent"/> overloads that take a cancellation token from .NET 9 on.</summary>
internal static class HttpContentCompat
{
    /// <summary>Buffers <paramref name="content"/>; .NET 8 cannot cancel the copy itself, so only the wait is cancelled.</summary>
    public static Task LoadIntoBufferAsync(this HttpContent content, CancellationToken cancellationToken) =>
        content.LoadIntoBufferAsync().WaitAsync(cancellationToken);
}
#endif
