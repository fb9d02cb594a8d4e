import Crypto
import HeraldCore

extension HeraldConfig {
    /// `HERALD_SECRET_KEY`, and `HERALD_SECRET_KEY_PREVIOUS` while a rotation is under way.
    public func keyring() throws -> SecretKeyring {
        try SecretKeyring(current: secretKey, previous: previousSecretKey)
    }
}
