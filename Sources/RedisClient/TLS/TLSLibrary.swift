import COpenSSL
import COpenSSLShims

/// The OpenSSL this program uses: always the system's shared library (`libssl.so.3` on Debian), never a
/// bundled copy.
public enum TLSLibrary {
    /// The library loaded at run time, e.g. `OpenSSL 3.0.13 30 Jan 2024`.
    public static var runtimeVersion: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }

    /// The headers compiled against.
    public static var headerVersion: String {
        String(cString: tcoord_OPENSSL_VERSION_TEXT())
    }
}
