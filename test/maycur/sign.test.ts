import should from 'should';
import { maycurLogin } from '../../nodes/maycur/sign';

// Vectors derived from the algorithm of protocols.md §7.2 (sha256 hex of `appSecret:appCode:timestamp`), computed
// independently with coreutils `printf '%s' … | sha256sum`; no published vendor vector exists.
describe('maycur/sign: maycurLogin', () => {
    it('ASCII values', () => {
        should(maycurLogin('mySecret', 'AP001', 1704682800000)).equal('ecd16a05b2403ce6895caaa7551400108999c70352ba142c5902aade3d082ff5');
    });

    it('Chinese values are hashed as UTF-8', () => {
        should(maycurLogin('密钥ABC', '每刻应用', 1704682800000)).equal('0d639c7d5ca69421cdaec0be52a24dc52d894c7209bc4763d65ad70caba81b4e');
    });

    it('timestamp as number or decimal string gives the same secret', () => {
        should(maycurLogin('s3cr3t', 'APPCODE', '1700000000123')).equal('fb62517dd9e0ae2bc1d552c7214419ddc359031ce3ce11a8f3009690391ad9ba');
        should(maycurLogin('s3cr3t', 'APPCODE', 1700000000123)).equal('fb62517dd9e0ae2bc1d552c7214419ddc359031ce3ce11a8f3009690391ad9ba');
    });

    it('is lowercase 64-char hex and depends on every part', () => {
        const base = maycurLogin('a', 'b', 1);
        should(base).match(/^[0-9a-f]{64}$/);
        should(maycurLogin('a', 'b', 2)).not.equal(base);
        should(maycurLogin('a', 'c', 1)).not.equal(base);
        should(maycurLogin('A', 'b', 1)).not.equal(base);
    });
});
