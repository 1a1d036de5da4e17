import { describeEditor } from '../helpers/editor-locales';

describeEditor('mapper', { help: { 'erp-mapper': ['const', 'path', 'template', 'array', 'table', 'lookup', 'jsonata', 'convert', 'recordIndex', 'msg._error'] } });
