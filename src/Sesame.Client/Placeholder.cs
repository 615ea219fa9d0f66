namespace Sesame.Client; internal static class Placeholder { }
