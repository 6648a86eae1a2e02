/**
 * The NCoder's USB identity. 0x1209 is pid.codes, the vendor ID shared among open-source hardware
 * projects (it exists precisely so small projects need not buy a USB-IF vendor ID); 0x0001 is one of
 * its test product IDs, meant for development and never for a shipped product. The simulator uses it
 * and the link looks for it by default; a production encoder gets its own registered PID (or the
 * maker's VID), which the Service passes to NcoderLink as `vendorId`/`productId`.
 */
export const NCODER_VENDOR_ID = 0x1209;
/** See {@link NCODER_VENDOR_ID}. */
export const NCODER_PRODUCT_ID = 0x0001;
/** The product string the simulator reports. */
export const NCODER_PRODUCT = 'Lintel NCoder';
