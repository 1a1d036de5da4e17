import should from 'should';
import { jingchengSign } from '../../nodes/jingcheng/sign';

// Vectors derived from the palette's md5 mode (protocols.md §8.1: md5 hex of rawBody + timestamp + secret), computed
// independently with coreutils `printf '%s' … | md5sum`.
describe('jingcheng/sign: jingchengSign (md5 mode)', () => {
    it('a body with Chinese values, hashed as UTF-8', () => {
        const body = '{"SheetID":"RS2401090001","CustomerName":"天猫旗舰店"}';
        should(jingchengSign(body, 1704768000, 'jc-secret')).equal('3e01e1b581430c0993d748f6a5b60b77');
    });

    it('a Chinese secret; timestamp as string or number', () => {
        should(jingchengSign('{}', '1704768000', '秘钥')).equal('a17aac9dcabcd269df005614991dee4d');
        should(jingchengSign('{}', 1704768000, '秘钥')).equal('a17aac9dcabcd269df005614991dee4d');
    });

    it('plain ASCII', () => {
        should(jingchengSign('abc', 1, 'x')).equal('98fc83949a387bb6741e2e357e441d88');
    });

    it('covers the exact body text: one space changes the sign', () => {
        should(jingchengSign('{"a":1}', 1, 's')).not.equal(jingchengSign('{"a": 1}', 1, 's'));
    });
});
